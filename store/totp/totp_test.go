package totp

import (
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// rfcSecret is the SHA1 seed of RFC 6238 Appendix B, "12345678901234567890"
// in ASCII, base32-encoded as an app would hold it.
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestRFC6238Vectors(t *testing.T) {
	if rfcSecret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("base32 of the RFC seed = %q", rfcSecret)
	}
	// RFC 6238 Appendix B, SHA1 column.
	vectors := []struct {
		unix  int64
		step  int64
		eight string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
	}
	for _, v := range vectors {
		t.Run(fmt.Sprint(v.unix), func(t *testing.T) {
			at := time.Unix(v.unix, 0).UTC()
			if got := stepOf(at); got != v.step {
				t.Errorf("step = %#x, want %#x", got, v.step)
			}
			got8, err := codeAt(rfcSecret, stepOf(at), otp.DigitsEight)
			if err != nil {
				t.Fatal(err)
			}
			if got8 != v.eight {
				t.Errorf("8-digit code = %s, want %s", got8, v.eight)
			}
			got6, err := Code(rfcSecret, at)
			if err != nil {
				t.Fatal(err)
			}
			if want := v.eight[2:]; got6 != want {
				t.Errorf("Code = %s, want %s (last 6 digits of the RFC's %s)", got6, want, v.eight)
			}
			step, err := Verify(rfcSecret, got6, at, 0)
			if err != nil || step != v.step {
				t.Errorf("Verify(own code) = %d, %v; want %d, nil", step, err, v.step)
			}
		})
	}
}

func TestStepOfFloors(t *testing.T) {
	for _, c := range []struct {
		unix int64
		want int64
	}{{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2}, {-1, -1}, {-30, -1}, {-31, -2}} {
		if got := stepOf(time.Unix(c.unix, 0)); got != c.want {
			t.Errorf("stepOf(%d) = %d, want %d", c.unix, got, c.want)
		}
	}
}

// A fixed clock: 1111111111 is 1 s into step 0x23523ED.
var (
	clock = time.Unix(1111111111, 0).UTC()
	now   = stepOf(clock)
)

func codeAtOffset(t *testing.T, steps int64) string {
	t.Helper()
	c, err := Code(rfcSecret, clock.Add(time.Duration(steps)*period*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerify(t *testing.T) {
	cur := codeAtOffset(t, 0)
	// A code of none of the steps around the clock, made by changing the
	// last digit of the current one; checked so the fixture cannot lie.
	wrong := cur[:5] + string('0'+(cur[5]-'0'+1)%10)
	for s := int64(-2); s <= 2; s++ {
		if codeAtOffset(t, s) == wrong {
			t.Fatalf("fixture: %s is the code of step %+d", wrong, s)
		}
	}
	for s := int64(-2); s <= 2; s += 4 {
		for d := int64(-1); d <= 1; d++ {
			if codeAtOffset(t, s) == codeAtOffset(t, d) {
				t.Fatalf("fixture: step %+d and %+d share a code", s, d)
			}
		}
	}

	tests := []struct {
		name     string
		code     string
		lastStep int64
		want     int64
		err      error
	}{
		{"current step", cur, 0, now, nil},
		{"phone one step behind", codeAtOffset(t, -1), 0, now - 1, nil},
		{"phone one step ahead", codeAtOffset(t, 1), 0, now + 1, nil},
		{"two steps behind", codeAtOffset(t, -2), 0, 0, ErrWrong},
		{"two steps ahead", codeAtOffset(t, 2), 0, 0, ErrWrong},
		{"wrong digits", wrong, 0, 0, ErrWrong},
		{"after an older code", cur, now - 1, now, nil},
		{"replay of the current code", cur, now, 0, ErrReplay},
		{"older than the last code used", codeAtOffset(t, -1), now, 0, ErrReplay},
		{"after a code from a fast phone", cur, now + 1, 0, ErrReplay},
		{"fast phone again", codeAtOffset(t, 1), now + 1, 0, ErrReplay},
		{"spaces as the app shows it", cur[:3] + " " + cur[3:], 0, now, nil},
		{"spaces around and inside", " " + cur[:2] + " " + cur[2:4] + "\t" + cur[4:] + " ", 0, now, nil},
		{"non-breaking space from a paste", cur[:3] + "\u00a0" + cur[3:], 0, now, nil},
		{"empty", "", 0, 0, ErrFormat},
		{"only spaces", "   ", 0, 0, ErrFormat},
		{"five digits", cur[:5], 0, 0, ErrFormat},
		{"seven digits", cur + "0", 0, 0, ErrFormat},
		{"a letter", cur[:5] + "a", 0, 0, ErrFormat},
		{"a dash", cur[:3] + "-" + cur[3:], 0, 0, ErrFormat},
		{"full-width digits", "１２３４５６", 0, 0, ErrFormat},
		{"sign", "+" + cur[1:], 0, 0, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, err := Verify(rfcSecret, tt.code, clock, tt.lastStep)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Verify(%q, last %d) error = %v, want %v", tt.code, tt.lastStep-now, err, tt.err)
			}
			if step != tt.want {
				t.Errorf("Verify(%q) step = %d, want %d", tt.code, step, tt.want)
			}
		})
	}
}

func TestVerifyAtStepEdges(t *testing.T) {
	start := time.Unix(now*period, 0)
	next, err := Code(rfcSecret, start.Add(period*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Last second of a step, phone a second ahead: the next step's code.
	if step, err := Verify(rfcSecret, next, start.Add((period-1)*time.Second), 0); err != nil || step != now+1 {
		t.Errorf("next step's code in the last second = %d, %v", step, err)
	}
	// First second of a step, the operator typed the code they read just
	// before it changed.
	prev, err := Code(rfcSecret, start.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if step, err := Verify(rfcSecret, prev, start, 0); err != nil || step != now-1 {
		t.Errorf("previous step's code in the first second = %d, %v", step, err)
	}
}

func TestVerifyDamagedSecret(t *testing.T) {
	_, err := Verify("not base32!", "123456", clock, 0)
	if err == nil || errors.Is(err, ErrWrong) || errors.Is(err, ErrFormat) || errors.Is(err, ErrReplay) {
		t.Fatalf("damaged secret: error = %v, want one of its own", err)
	}
	if !errors.Is(err, otp.ErrValidateSecretInvalidBase32) {
		t.Errorf("damaged secret error does not wrap pquerna's cause: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	for err, want := range map[error]string{
		ErrFormat: "the code must be 6 digits",
		ErrWrong:  "wrong code: check the time on your phone and this computer, then type the current code",
		ErrReplay: "that code was used already: wait for the next one",
	} {
		if err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	}
}

func TestGenerate(t *testing.T) {
	key, err := Generate("guardroom (Demo site)", "admin")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(key.URI)
	if err != nil {
		t.Fatalf("URI %q does not parse: %v", key.URI, err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("URI %q is not otpauth://totp/", key.URI)
	}
	if want := "/guardroom (Demo site):admin"; u.Path != want {
		t.Errorf("label = %q, want %q", u.Path, want)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"issuer":    "guardroom (Demo site)",
		"secret":    key.Secret,
		"period":    "30",
		"digits":    "6",
		"algorithm": "SHA1",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("URI %s = %q, want %q", k, got, want)
		}
	}
	if strings.Contains(key.URI, "+") {
		t.Errorf("URI %q encodes spaces as '+', which some apps show literally", key.URI)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key.Secret)
	if err != nil || len(raw) != 20 {
		t.Errorf("secret %q: %d bytes, %v; want 20 bytes of unpadded base32", key.Secret, len(raw), err)
	}

	code, err := Code(key.Secret, clock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(key.Secret, code, clock, 0); err != nil {
		t.Errorf("a new key does not verify its own code: %v", err)
	}

	other, err := Generate("guardroom (Demo site)", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret == key.Secret {
		t.Errorf("two keys share the secret %s", key.Secret)
	}
}

func TestGenerateColonInNames(t *testing.T) {
	key, err := Generate("guardroom (HQ: north)", "a:b")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(key.URI)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/guardroom (HQ- north):a-b"; u.Path != want {
		t.Errorf("label = %q, want %q", u.Path, want)
	}
	if got := u.Query().Get("issuer"); got != "guardroom (HQ- north)" {
		t.Errorf("issuer = %q", got)
	}
}

func TestGenerateRefusesEmptyNames(t *testing.T) {
	for _, c := range [][2]string{{"", "admin"}, {"guardroom", ""}, {" ", "admin"}} {
		if _, err := Generate(c[0], c[1]); err == nil {
			t.Errorf("Generate(%q, %q) succeeded", c[0], c[1])
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := RecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes, want 10", len(codes))
	}
	format := regexp.MustCompile(`^[` + recoveryAlphabet + `]{5}-[` + recoveryAlphabet + `]{5}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) {
			t.Errorf("code %q is not xxxxx-xxxxx from the alphabet", c)
		}
		if strings.ContainsAny(c, "0oO1lIi") {
			t.Errorf("code %q has an ambiguous character", c)
		}
		if seen[c] {
			t.Errorf("code %q handed out twice", c)
		}
		seen[c] = true
	}

	if codes, err := RecoveryCodes(0); err != nil || len(codes) != 0 {
		t.Errorf("RecoveryCodes(0) = %v, %v", codes, err)
	}
	if _, err := RecoveryCodes(-1); err == nil {
		t.Error("RecoveryCodes(-1) succeeded")
	}
}

func TestRecoveryAlphabet(t *testing.T) {
	if len(recoveryAlphabet) != 31 || strings.ContainsAny(recoveryAlphabet, "0o1li") {
		t.Fatalf("alphabet %q", recoveryAlphabet)
	}
	// 2,000 symbols: each of the 31 is missing with probability about
	// 31 x (30/31)^2000, below 1e-27. A missing one means the draw never
	// reaches part of the alphabet.
	codes, err := RecoveryCodes(200)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(codes, "")
	for _, r := range recoveryAlphabet {
		if !strings.ContainsRune(all, r) {
			t.Errorf("symbol %q never drawn in 2,000", r)
		}
	}
}

func TestNormaliseAndHashRecovery(t *testing.T) {
	if got := NormaliseRecovery("ABCDE-fghij"); got != "abcdefghij" {
		t.Errorf("NormaliseRecovery = %q", got)
	}
	typed := []string{"ABCDE-fghij", "abcde fghij", "abcdefghij", " AbCdE - FgHiJ ", "abcde\u00a0fghij"}
	want := HashRecovery(typed[0])
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(want) {
		t.Fatalf("hash %q is not SHA-256 hex", want)
	}
	// SHA-256("abcdefghij"), so the stored form is stable across releases.
	if want != "72399361da6a7754fec986dca5b7cbaf1c810a28ded4abaf56b2106d06cb78b0" {
		t.Errorf("HashRecovery = %s, want SHA-256 of the normalised code", want)
	}
	for _, s := range typed[1:] {
		if NormaliseRecovery(s) != "abcdefghij" || HashRecovery(s) != want {
			t.Errorf("%q normalises to %q and does not match", s, NormaliseRecovery(s))
		}
	}
	if HashRecovery("abcde-fghik") == want {
		t.Error("different codes share a hash")
	}
}

const demoURI = "otpauth://totp/guardroom%20%28Demo%20site%29:admin?algorithm=SHA1&digits=6&issuer=guardroom%20%28Demo%20site%29&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// finder is the 7x7 position pattern, dark = true.
func isFinder(m [][]bool, row, col int) bool {
	for y := 0; y < 7; y++ {
		for x := 0; x < 7; x++ {
			ring := y == 1 || y == 5 || x == 1 || x == 5
			inner := y >= 1 && y <= 5 && x >= 1 && x <= 5
			want := !inner || (!ring && inner)
			if m[row+y][col+x] != want {
				return false
			}
		}
	}
	return true
}

func TestQRModules(t *testing.T) {
	key, err := Generate("guardroom (Demo site)", "admin")
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{demoURI, key.URI} {
		m, err := modules(uri)
		if err != nil {
			t.Fatal(err)
		}
		n := len(m)
		size := n - 2*quietZone
		if (size-17)%4 != 0 || size < 21 {
			t.Fatalf("%d modules across is no QR version", size)
		}
		for y, row := range m {
			if len(row) != n {
				t.Fatalf("row %d has %d modules, want %d", y, len(row), n)
			}
			for x, dark := range row {
				inZone := y < quietZone || y >= n-quietZone || x < quietZone || x >= n-quietZone
				if inZone && dark {
					t.Fatalf("dark module (%d,%d) in the quiet zone", y, x)
				}
			}
		}
		q := quietZone
		for _, c := range []struct {
			name     string
			row, col int
		}{{"top left", q, q}, {"top right", q, q + size - 7}, {"bottom left", q + size - 7, q}} {
			if !isFinder(m, c.row, c.col) {
				t.Errorf("no finder pattern at the %s", c.name)
			}
		}
		if isFinder(m, q+size-7, q+size-7) {
			t.Error("a finder pattern at the bottom right")
		}
		// Timing pattern between the finders, on row 6 and column 6.
		for i := 8; i < size-8; i++ {
			if m[q+6][q+i] != (i%2 == 0) || m[q+i][q+6] != (i%2 == 0) {
				t.Fatalf("timing pattern broken at %d", i)
			}
		}
		// The always-dark module sits beside the bottom-left finder, at
		// column 8: a transposed (mirrored) code would have it top right.
		if !m[q+size-8][q+8] {
			t.Error("the dark module is not at (size-8, 8): code is mirrored")
		}
	}
}

// glyphs maps each half block back to its (top, bottom) light modules.
var glyphs = map[rune][2]bool{'█': {true, true}, '▀': {true, false}, '▄': {false, true}, ' ': {false, false}}

func TestQRText(t *testing.T) {
	text, err := QR(demoURI)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modules(demoURI)
	if err != nil {
		t.Fatal(err)
	}
	width, err := QRWidth(demoURI)
	if err != nil {
		t.Fatal(err)
	}
	n := len(m)
	if width != n {
		t.Errorf("QRWidth = %d, want %d", width, n)
	}
	if strings.HasSuffix(text, "\n") {
		t.Error("trailing newline")
	}
	lines := strings.Split(text, "\n")
	if want := (n + 1) / 2; len(lines) != want {
		t.Fatalf("%d lines, want ceil(%d/2) = %d", len(lines), n, want)
	}
	// Read the modules back from the text: every cell must agree with
	// the matrix, light modules as ink.
	for i, line := range lines {
		cells := []rune(line)
		if len(cells) != width {
			t.Fatalf("line %d is %d cells, want %d", i, len(cells), width)
		}
		for x, r := range cells {
			g, ok := glyphs[r]
			if !ok {
				t.Fatalf("line %d cell %d is %q, not a half block", i, x, r)
			}
			if g[0] != !m[2*i][x] {
				t.Fatalf("line %d cell %d top half disagrees with module (%d,%d)", i, x, 2*i, x)
			}
			bottomLight := 2*i+1 < n && !m[2*i+1][x]
			if g[1] != bottomLight {
				t.Fatalf("line %d cell %d bottom half disagrees with module (%d,%d)", i, x, 2*i+1, x)
			}
		}
	}
	if lines[0] != strings.Repeat("█", n) {
		t.Errorf("first line is not the light quiet zone: %q", lines[0])
	}
}

func TestHalfBlocks(t *testing.T) {
	// dark = true; light modules are drawn.
	m := [][]bool{
		{true, false, false, true},
		{false, true, false, true},
		{true, false, true, false},
	}
	want := "▄▀█ \n ▀ ▀"
	if got := halfBlocks(m); got != want {
		t.Errorf("halfBlocks = %q, want %q", got, want)
	}
}

// The size of the code every enrolment shows, for the console and the CLI
// to plan around: a 160-bit key's URI is ~161 bytes, which at medium error
// correction is a version 9 code, 53 modules. It is narrower than 80
// columns but 29 lines high, more than an 80x24 terminal's height.
func TestQRSizeOfATypicalKey(t *testing.T) {
	key, err := Generate("guardroom (Demo site)", "admin")
	if err != nil {
		t.Fatal(err)
	}
	width, err := QRWidth(key.URI)
	if err != nil {
		t.Fatal(err)
	}
	text, err := QR(key.URI)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(text, "\n") + 1
	t.Logf("%d-byte URI: %d x %d cells (%d modules + %d quiet zone)", len(key.URI), width, lines, width-2*quietZone, 2*quietZone)
	if len(key.URI) != 161 || width != 57 || lines != 29 {
		t.Errorf("%d-byte URI draws %d x %d cells, want 161 bytes, 57 x 29", len(key.URI), width, lines)
	}
	if width > 80 {
		t.Errorf("QR is %d cells wide, more than 80", width)
	}
}

func TestQRTooLong(t *testing.T) {
	if _, err := QR(strings.Repeat("x", 5000)); err == nil {
		t.Error("a 5,000-byte URI made a QR code")
	}
	if _, err := QRWidth(strings.Repeat("x", 5000)); err == nil {
		t.Error("QRWidth of a 5,000-byte URI succeeded")
	}
}

func ExampleVerify() {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	at := time.Date(2005, 3, 18, 1, 58, 31, 0, time.UTC) // unix 1111111111

	code, _ := Code(secret, at) // what the phone shows
	step, err := Verify(secret, code[:3]+" "+code[3:], at, 0)
	fmt.Println(code, step, err)

	// The store saved step; the same code again is a replay.
	_, err = Verify(secret, code, at, step)
	fmt.Println(err)
	// Output:
	// 050471 37037037 <nil>
	// that code was used already: wait for the next one
}
