package access

import (
	"strings"
	"testing"
)

func TestNormalizeValue(t *testing.T) {
	tests := []struct {
		kind    Kind
		in      string
		want    string
		wantErr string
	}{
		{KindCard, "12345", "12345", ""},
		{KindCard, " 0012345 ", "12345", ""},
		{KindCard, "0", "0", ""},
		{KindCard, "010:00456", "10:456", ""},
		{KindCard, "10:456", "10:456", ""},
		{KindCard, "12a", "", "neither a number nor facility:card"},
		{KindCard, "10:", "", "neither"},
		{KindCard, ":5", "", "neither"},
		{KindCard, "1:2:3", "", "neither"},
		{KindCard, "123456789012345678901", "", "neither"},
		{KindCard, "", "", "the card is empty"},
		{KindAccessCode, "1234", "1234", ""},
		{KindAccessCode, "0012", "0012", ""},
		{KindAccessCode, "123", "", "4 to 12 digits"},
		{KindAccessCode, "12ab", "", "4 to 12 digits"},
		{KindQR, " https://x/y ", "https://x/y", ""},
		{KindQR, "a\x00b", "", "control character"},
		{KindFaceID, strings.Repeat("f", 257), "", "longer than 256 bytes"},
		{KindUKey, "uk-1", "uk-1", ""},
		{Kind(9), "x", "", "unknown identifier kind"},
	}
	for _, tc := range tests {
		got, err := NormalizeValue(tc.kind, tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v %q: err = %v, want %q", tc.kind, tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v %q = %q, %v; want %q", tc.kind, tc.in, got, err, tc.want)
		}
	}
	if s := (Identifier{KindAccessCode, "1234"}).String(); strings.Contains(s, "1234") {
		t.Errorf("an access code is shown: %q", s)
	}
}

func TestCanonicalCardDoesNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		if _, ok := canonicalCard("10:456"); !ok {
			t.Fatal("not canonical")
		}
	})
	if n != 0 {
		t.Errorf("canonicalCard allocates %v times for a canonical value", n)
	}
}

// FuzzCanonical: the lookup path (canonical, used by Decide and Holder) and
// the save path (NormalizeValue, used by NewEngine and the store) agree, and
// a normalised value is already canonical.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"100", "0100", "010:00456", " 7 ", "1x", "a\tb", "1234", ":", "0:0"} {
		f.Add(uint8(KindCard), s)
		f.Add(uint8(KindAccessCode), s)
		f.Add(uint8(KindQR), s)
	}
	f.Fuzz(func(t *testing.T, k uint8, s string) {
		kind := Kind(k%6 + 1) // includes one invalid kind
		n, err := NormalizeValue(kind, s)
		c, ok := canonical(kind, s)
		if err != nil {
			if ok && kind != KindAccessCode && kind != KindQR && kind != KindUKey && kind != KindFaceID {
				t.Fatalf("%v %q: NormalizeValue refuses (%v) but canonical accepts %q", kind, s, err, c)
			}
			return
		}
		if !ok || c != n {
			t.Fatalf("%v %q: NormalizeValue %q, canonical %q %v", kind, s, n, c, ok)
		}
		if again, err := NormalizeValue(kind, n); err != nil || again != n {
			t.Fatalf("%v %q: %q normalises again to %q, %v", kind, s, n, again, err)
		}
	})
}
