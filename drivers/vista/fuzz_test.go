package vista

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes to the streaming decoder. It never
// panics, never returns a frame longer than MaxLine, and every frame it
// returns parses again to itself; the seeds (every vector of the
// specification and of pyenvisalink) run in make test.
func FuzzDecoder(f *testing.F) {
	for _, v := range specVectors {
		f.Add([]byte(v.wire))
	}
	for _, v := range pyenvisalinkVectors {
		var all []byte
		for _, c := range v.chunks {
			all = append(all, c...)
		}
		f.Add(all)
	}
	f.Add([]byte("%FF," + string(bytes.Repeat([]byte("FEFF"), 64)) + "$\r\n"))
	f.Add([]byte("%02,01%00,01,5C08,08,00,x$^03,01$\r\nLogin:\r\nTimed Out!\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := NewDecoder(bytes.NewReader(data))
		for {
			fr, err := dec.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("decoder error %v on a bytes.Reader", err)
			}
			if len(fr.Data) > MaxLine {
				t.Fatalf("frame of %d bytes", len(fr.Data))
			}
			if fr.Kind == KindAck || fr.Kind == KindEvent {
				sent := '%'
				if fr.Kind == KindAck {
					sent = '^'
				}
				wire := string(sent) + string(appendHex(nil, fr.Code)) + "," + fr.Data + "$"
				again, err := Parse([]byte(wire))
				if err != nil || again.Data != fr.Data || again.Code != fr.Code {
					t.Fatalf("%q does not parse again: %v", wire, err)
				}
			}
		}
	})
}
