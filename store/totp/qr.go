package totp

import (
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// quietZone is the light border around the code, in modules. The standard
// asks for 4; 2 saves four lines on a screen that is short of them, and
// scanners still find the code (checked by decoding the text as a dark
// terminal shows it with a ZXing decoder).
const quietZone = 2

// QR draws the otpauth URI as a QR code in text, two module rows per line
// with the half blocks '▀', '▄', '█' and ' ', so the console and the CLI can
// show it in any terminal, including over SSH, with no image protocol.
//
// Light modules are drawn as blocks and dark ones as blank cells, the
// convention of terminal QR printers (mdp/qrterminal's half-block mode,
// qrencode -t UTF8). Text has no colour of its own, so which way round the
// code looks depends on the terminal: on the usual dark background it is a
// normal dark-on-light code; on a light background it comes out inverted.
// Phone cameras commonly read inverted codes too, but not every scanner
// does (a plain ZXing decoder does not), so a caller that knows the
// background is light should draw the text in reverse video, which turns it
// back into a normal code, and should always show the secret beside it for
// typing by hand.
//
// The lines are joined by '\n' with no trailing newline and all have the
// same width (QRWidth), so the block can be placed and centred as is.
func QR(uri string) (string, error) {
	m, err := modules(uri)
	if err != nil {
		return "", err
	}
	return halfBlocks(m), nil
}

// QRWidth is the width of QR(uri) in terminal cells, which is also its
// height in module rows; the text is (QRWidth+1)/2 lines high. Callers use
// it to check the code fits before drawing it, and to fall back to showing
// only the secret when it does not: a key from Generate makes a URI of
// about 160 bytes, a 53-module code, 57 cells wide and 29 lines high, taller
// than an 80x24 terminal.
func QRWidth(uri string) (int, error) {
	m, err := modules(uri)
	if err != nil {
		return 0, err
	}
	return len(m), nil
}

// modules is the code's module matrix, quiet zone included, indexed
// [row][column], true for a dark module.
func modules(uri string) ([][]bool, error) {
	// Medium error correction (15%) is what pquerna's own Key.Image uses;
	// a terminal screen is not smudged, but a phone held at an angle to
	// one is not a clean scan either.
	code, err := qr.Encode(uri, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("totp: draw the QR code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx() + 2*quietZone
	m := make([][]bool, n)
	for y := range m {
		m[y] = make([]bool, n)
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			m[y+quietZone][x+quietZone] = r < 0x8000
		}
	}
	return m, nil
}

// halfBlocks draws a module matrix two rows per line, light modules as ink.
// An odd last row is paired with a dark (blank) one, which adds nothing
// visible below the quiet zone.
func halfBlocks(m [][]bool) string {
	var b strings.Builder
	for y := 0; y < len(m); y += 2 {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := range m[y] {
			top := !m[y][x]
			bottom := y+1 < len(m) && !m[y+1][x]
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}
