package drivers_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/tagid"
)

type fakePanel struct{ drivers.Panel }

// registerOnce keeps the test drivers registered once under -count=N.
var registerOnce sync.Once

func TestRegistry(t *testing.T) {
	registerOnce.Do(func() {
		drivers.Register("test-fake", func(cfg drivers.Config) (drivers.Panel, error) {
			if cfg.Address == "" {
				return nil, errors.New("no address: give one")
			}
			return fakePanel{}, nil
		})
		drivers.Register("test-another", func(drivers.Config) (drivers.Panel, error) { return fakePanel{}, nil })
		drivers.Register("test-dup", func(drivers.Config) (drivers.Panel, error) { return nil, nil })
	})

	names := drivers.Names()
	if !slices.IsSorted(names) || !slices.Contains(names, "test-fake") || !slices.Contains(names, "test-another") {
		t.Fatalf("Names() = %v, want sorted and holding both test drivers", names)
	}
	p, err := drivers.Open("test-fake", drivers.Config{Address: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(fakePanel); !ok {
		t.Fatalf("Open returned %T, want the factory's panel", p)
	}
	if _, err := drivers.Open("test-fake", drivers.Config{}); err == nil || !strings.Contains(err.Error(), "test-fake driver: no address") {
		t.Fatalf("factory error = %v, want it named after the driver", err)
	}
	_, err = drivers.Open("nope", drivers.Config{})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "test-another, test-dup, test-fake") {
		t.Fatalf("unknown driver error = %v, want the name and the registered drivers", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	TestRegistry(t) // registers test-dup
	f := func(drivers.Config) (drivers.Panel, error) { return nil, nil }
	for name, call := range map[string]func(){
		"duplicate": func() { drivers.Register("test-dup", f) },
		"empty":     func() { drivers.Register("", f) },
		"nil":       func() { drivers.Register("test-nil", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Register did not panic")
				}
			}()
			call()
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestTransient(t *testing.T) {
	refusal := &drivers.Refusal{Reason: "another user already has this code: choose another code", Kind: drivers.RefusedDuplicateCode}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"offline", drivers.ErrOffline, true},
		{"wrapped timeout", fmt.Errorf("modbus tcp x: read users: %w", drivers.ErrTimeout), true},
		{"busy", fmt.Errorf("x: %w", drivers.ErrBusy), true},
		{"net error", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, true},
		{"refusal", refusal, false},
		{"wrapped refusal", fmt.Errorf("set code: %w", refusal), false},
		{"refusal beats transient", fmt.Errorf("%w: %w", drivers.ErrBusy, refusal), false},
		{"unknown", errors.New("garbled"), false},
		{"not exist", os.ErrNotExist, false},
		{"canceled", context.Canceled, false},
	} {
		if got := drivers.Transient(c.err); got != c.want {
			t.Errorf("%s: Transient(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
	if refusal.Error() != refusal.Reason {
		t.Errorf("Refusal.Error() = %q, want the reason", refusal.Error())
	}
}

func TestRefusalKindString(t *testing.T) {
	if got := drivers.RefusedDuplicateCode.String(); got != "duplicate code" {
		t.Errorf("RefusedDuplicateCode = %q", got)
	}
	if got := drivers.RefusalKind(999).String(); got != "refused" {
		t.Errorf("unknown kind = %q, want refused", got)
	}
}

func TestCodeCheck(t *testing.T) {
	want := crc32.ChecksumIEEE([]byte{0, 0, 0, 5, '1', '2', '3', '4'})
	if got := drivers.CodeCheck(5, "1234"); got != want {
		t.Fatalf("CodeCheck(5, 1234) = %#x, want %#x", got, want)
	}
	if drivers.CodeCheck(5, "1234") == drivers.CodeCheck(6, "1234") {
		t.Error("CodeCheck ignores the slot")
	}
	if drivers.CodeCheck(5, "1234") == drivers.CodeCheck(5, "1235") {
		t.Error("CodeCheck ignores the code")
	}
	long := strings.Repeat("9", 40) // longer than the stack buffer
	if drivers.CodeCheck(1, long) != crc32.ChecksumIEEE(append([]byte{0, 0, 0, 1}, long...)) {
		t.Error("CodeCheck of a long code differs")
	}
}

func TestCheckTag(t *testing.T) {
	for _, tag := range []string{"X", "04A1B2C3D4E5F6A7B8C9", "H10302:34359738367", "H10306:1:1", strings.Repeat("~", drivers.MaxTagBytes)} {
		if err := drivers.CheckTag(tag); err != nil {
			t.Errorf("CheckTag(%q) = %v", tag, err)
		}
	}
	for _, tag := range []string{"", "04 A1", "04A1\n", "Zoë", "\x7f", strings.Repeat("A", drivers.MaxTagBytes+1)} {
		err := drivers.CheckTag(tag)
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedTag {
			t.Errorf("CheckTag(%q) = %v, want a tag refusal", tag, err)
		}
	}
	// store/tagid's canonical keys, the longest of each form among them,
	// pass as they are: the store sends them to the drivers unchanged.
	for _, in := range []string{"FF:FF:FF:FF:FF:FF:FF:FF:FF:FF", "04a1b2c3", "255:65535", "H10306:65535:65535", "H10304:65535:524287", "H10302:34359738367"} {
		id, err := tagid.Parse(in)
		if err != nil {
			t.Fatalf("tagid.Parse(%q): %v", in, err)
		}
		if err := drivers.CheckTag(id.String()); err != nil {
			t.Errorf("canonical tag %q: %v", id.String(), err)
		}
	}
}

func TestKeypadTagSlots(t *testing.T) {
	for fam, want := range map[string]int{
		"visonic-powermax": 8, "visonic-powermaster10": 8, "visonic-powermaster30": 32,
		"neo-hs2064": 0, "generic": 0, "unknown": 0,
	} {
		if got := drivers.KeypadTagSlots(fam); got != want {
			t.Errorf("KeypadTagSlots(%s) = %d, want %d", fam, got, want)
		}
	}
}

func TestCheckLabel(t *testing.T) {
	for _, c := range []struct {
		label string
		ok    bool
	}{
		{"Front desk", true},
		{"", true},
		{strings.Repeat("é", drivers.MaxLabelBytes/2), true},
		{strings.Repeat("é", drivers.MaxLabelBytes/2+1), false},
		{"line\nbreak", false},
		{"bad \xff text", false},
	} {
		err := drivers.CheckLabel(c.label)
		var r *drivers.Refusal
		if (err == nil) != c.ok || (err != nil && (!errors.As(err, &r) || r.Kind != drivers.RefusedLabel)) {
			t.Errorf("CheckLabel(%q) = %v, want ok %v", c.label, err, c.ok)
		}
	}
}

func TestCheckPartitions(t *testing.T) {
	cases := []struct {
		parts uint64
		n     int
		want  string // "" for accepted
	}{
		{0b1, 1, ""},
		{0b1011, 4, ""},
		{1 << 63, 64, ""},
		{0, 8, "no partition given"},
		{0b10000, 4, "partition 5 does not exist: this panel has partitions 1-4"},
		{0b11, 1, "partition 2 does not exist"},
	}
	for _, c := range cases {
		err := drivers.CheckPartitions(c.parts, c.n)
		if c.want == "" {
			if err != nil {
				t.Errorf("CheckPartitions(%b, %d) = %v, want accepted", c.parts, c.n, err)
			}
			continue
		}
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedPartition || !strings.Contains(r.Reason, c.want) {
			t.Errorf("CheckPartitions(%b, %d) = %v, want a partition refusal saying %q", c.parts, c.n, err, c.want)
		}
	}
}
