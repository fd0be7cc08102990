package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's root, from this package's directory.
const root = "../../.."

// The committed pictures are what the golden screens draw now: a golden
// changed without `make pictures` fails here.
func TestPicturesAreCurrent(t *testing.T) {
	want, err := draw(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatalf("no styled golden under %s: the TestScreens tests write them (tui/pictures_test.go)", goldenDir)
	}
	have, err := filepath.Glob(filepath.Join(root, pictureDir, "*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range have {
		if _, ok := want[filepath.Base(p)]; !ok {
			t.Errorf("%s/%s is drawn from no golden screen: run make pictures", pictureDir, filepath.Base(p))
		}
	}
	for _, name := range sortedKeys(want) {
		got, err := os.ReadFile(filepath.Join(root, pictureDir, name))
		if err != nil {
			t.Errorf("%s/%s is missing: run make pictures", pictureDir, name)
			continue
		}
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s/%s is not what the golden screens draw: run make pictures", pictureDir, name)
		}
	}
}

// Each of the README's pictures is embedded in it.
func TestREADMEShowsThePictures(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	pics, err := draw(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range sortedKeys(pics) {
		if !strings.Contains(string(readme), "("+pictureDir+"/"+name+")") {
			t.Errorf("README.md does not show %s/%s", pictureDir, name)
		}
	}
}

// A frame's SGR colours and attributes reach the cells: 256 colours,
// true colour, the sixteen, reverse video and resets; a wide character
// takes two cells.
func TestParse(t *testing.T) {
	frame := "\x1b[38;5;196;1mA\x1b[22;48;2;1;2;3mB\x1b[m \x1b[7;34m界\x1b[39mC\n\x1b[9mx"
	s := parse(frame, 6, 2)
	for _, tc := range []struct {
		x, y int
		text string
		want style
	}{
		{0, 0, "A", style{fg: rgb{true, 255, 0, 0}, bold: true}},
		{1, 0, "B", style{fg: rgb{true, 255, 0, 0}, bg: rgb{true, 1, 2, 3}}},
		{2, 0, " ", style{}},
		{3, 0, "界", style{fg: basic[4], reverse: true}},
		{4, 0, "", style{fg: basic[4], reverse: true}},
		{5, 0, "C", style{reverse: true}},
		{0, 1, "x", style{strike: true}},
		{1, 1, " ", style{}},
	} {
		if c := s[tc.y][tc.x]; c.text != tc.text || c.style != tc.want {
			t.Errorf("cell %d,%d: %q %+v, want %q %+v", tc.x, tc.y, c.text, c.style, tc.text, tc.want)
		}
	}
}

// The SVG draws a cell's background, its text in its colour stretched to
// its cells, reverse video swapped, and escapes what XML must.
func TestSVG(t *testing.T) {
	out := string(svg(parse("\x1b[38;2;0;95;175;48;2;221;229;238ma<b\x1b[m \x1b[7mR", 5, 1), canvases["light"]))
	for _, want := range []string{
		`<rect x="12" y="12" width="27" height="18" fill="#dde5ee"/>`,
		`<text x="12" y="26" textLength="27" lengthAdjust="spacingAndGlyphs" fill="#005faf">a&lt;b</text>`,
		`<rect x="48" y="12" width="9" height="18" fill="#1c2330"/>`,
		`<text x="48" y="26" textLength="9" lengthAdjust="spacingAndGlyphs" fill="#ffffff">R</text>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{"WhyDenied": "why-denied", "Users": "users", "CodeEntry": "code-entry"} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}
