// Command pictures draws the README's pictures of the console from the
// golden screens, so the pictures are the screens the tests see. The
// pictured cases of the TestScreens tests keep their styled frame beside
// their text (tui/testdata/<Test>/<Case>/<size>-<theme>.ansi.golden: the
// characters with their SGR colours and attributes); each becomes
// docs/pictures/<case>-<theme>.svg, monospace text on the theme's
// background, one colour per cell. Run it from the repository's root:
// `make pictures`. TestPicturesAreCurrent fails when the SVGs are not what
// the goldens draw.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Where the styled goldens are and where the pictures go, from the root.
const (
	goldenDir  = "tui/testdata"
	goldenExt  = ".ansi.golden"
	pictureDir = "docs/pictures"
)

func main() {
	if err := write("."); err != nil {
		fmt.Fprintln(os.Stderr, "pictures:", err)
		os.Exit(1)
	}
}

// write replaces the pictures under root with those the goldens draw.
func write(root string) error {
	pics, err := draw(root)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, pictureDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.svg"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, keep := pics[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(pics) {
		if err := os.WriteFile(filepath.Join(dir, name), pics[name], 0o644); err != nil {
			return err
		}
		fmt.Println(filepath.Join(pictureDir, name))
	}
	return nil
}

// goldenName is a styled golden's file name: its size and theme.
var goldenName = regexp.MustCompile(`^(\d+)x(\d+)-([a-z-]+)` + regexp.QuoteMeta(goldenExt) + `$`)

// draw returns the SVG of every styled golden under root, by file name.
func draw(root string) (map[string][]byte, error) {
	pics := map[string][]byte{}
	from := map[string]string{}
	err := filepath.WalkDir(filepath.Join(root, goldenDir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, goldenExt) {
			return err
		}
		m := goldenName.FindStringSubmatch(d.Name())
		if m == nil {
			return fmt.Errorf("%s: a styled golden is named <width>x<height>-<theme>%s", path, goldenExt)
		}
		w, _ := strconv.Atoi(m[1])
		h, _ := strconv.Atoi(m[2])
		c, ok := canvases[m[3]]
		if !ok {
			return fmt.Errorf("%s: no background for theme %q", path, m[3])
		}
		name := kebab(filepath.Base(filepath.Dir(path))) + "-" + m[3] + ".svg"
		if other, dup := from[name]; dup {
			return fmt.Errorf("%s and %s both draw %s: name the cases apart", other, path, name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pics[name], from[name] = svg(parse(string(b), w, h), c), path
		return nil
	})
	return pics, err
}

// kebab writes a case's name as a file name: WhyDenied → why-denied.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
