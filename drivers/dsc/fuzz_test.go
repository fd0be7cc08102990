package dsc

import (
	"bytes"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes, cut at an arbitrary point, and checks
// that every frame the decoder returns re-encodes to a line of the input,
// and that every line is counted once: as a frame, a bad checksum or
// garbled. The seeds (testdata/fuzz/FuzzDecoder and below) run in every
// go test.
func FuzzDecoder(f *testing.F) {
	for _, g := range goldenFrames {
		f.Add([]byte(g.wire), 3)
	}
	f.Add([]byte("5053CC\r\n6543d2\r\nLogin:\r\n"), 5)
	f.Add([]byte("12:34:56 6543D2\r\n\r\n\n\n"), 1)
	f.Add(bytes.Repeat([]byte("9"), 2*MaxLine), 700)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		if cut < 0 || cut > len(in) {
			cut = len(in) / 2
		}
		var d Decoder
		var got []Frame
		emit := func(fr Frame) { got = append(got, fr) }
		d.Feed(in[:cut], emit)
		d.Feed(in[cut:], emit)
		for _, fr := range got {
			if len(fr.Cmd) != 3 || len(fr.Data) > 256 {
				t.Fatalf("frame %q out of form", fr)
			}
			if !bytes.Contains(in, fr.Encode()) {
				t.Fatalf("frame %q is not in the input", fr.Encode())
			}
		}
		lines := bytes.Count(in, []byte("\n"))
		if n := d.Stats.Frames + d.Stats.BadChecksums + d.Stats.Garbled; n != lines || d.Stats.Frames != len(got) {
			t.Fatalf("%d lines, counted %+v and %d frames", lines, d.Stats, len(got))
		}
	})
}
