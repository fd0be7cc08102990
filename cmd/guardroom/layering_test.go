package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// layerRules are the arrows of docs/ARCHITECTURE.md: a package matching
// from may not import a package that matches to, unless allowed says so.
var layerRules = []struct {
	from, to, why string
	allowed       func(from, to string) bool
}{
	{from: "store", to: "tui", why: "the rules know no screen"},
	{from: "store", to: "drivers", why: "the rules know no device"},
	{from: "store", to: "cmd", why: "the rules know no entry point"},
	{from: "tui", to: "drivers", why: "screens never talk to devices"},
	{from: "drivers", to: "store", why: "drivers use only the store's vocabulary leaves",
		allowed: func(from, to string) bool {
			return from == "drivers/dispatch" || to == "store/family" || to == "store/tagid"
		}},
}

// under reports whether pkg is dir or inside it.
func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// TestLayering fails when a package of ours imports across the layers
// (test files included), so a wrong import cannot land unnoticed.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the layering test asks the go command for the imports: put go on the PATH")
	}
	mod, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	prefix := strings.TrimSpace(string(mod)) + "/"
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`,
		prefix+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	edges := layerEdges(out, prefix)
	if len(edges) < 20 {
		t.Fatalf("only %d imports between our packages: the listing is wrong", len(edges))
	}
	for _, bad := range layerViolations(edges) {
		t.Error(bad)
	}
}

// layerEdges turns the listing into from → to pairs between our packages,
// with the module prefix taken off.
func layerEdges(listing []byte, prefix string) [][2]string {
	var edges [][2]string
	sc := bufio.NewScanner(bytes.NewReader(listing))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		from := strings.TrimPrefix(f[0], prefix)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, prefix) {
				edges = append(edges, [2]string{from, strings.TrimPrefix(imp, prefix)})
			}
		}
	}
	return edges
}

// layerViolations lists the edges that break a rule, with its reason.
func layerViolations(edges [][2]string) []string {
	var bad []string
	for _, e := range edges {
		for _, r := range layerRules {
			if !under(e[0], r.from) || !under(e[1], r.to) || e[0] == e[1] {
				continue
			}
			if r.allowed != nil && r.allowed(e[0], e[1]) {
				continue
			}
			bad = append(bad, e[0]+" imports "+e[1]+": "+r.why)
		}
	}
	return bad
}

// The rules themselves: a planted wrong import of each kind is found, and
// the allowed ones are not.
func TestLayerRules(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		bad      bool
	}{
		{"store", "tui", true},
		{"store/access", "drivers", true},
		{"store", "cmd/internal/demo", true},
		{"tui", "drivers/sim", true},
		{"tui/grid", "drivers", true},
		{"drivers/modbus", "store", true},
		{"drivers/sim", "store/access", true},
		{"drivers/modbus", "store/family", false},
		{"drivers/sim", "store/tagid", false},
		{"drivers/dispatch", "store", false},
		{"tui", "store", false},
		{"cmd/guardroom", "drivers/sim", false},
		{"cmd/internal/demo", "drivers/dispatch", false},
		{"store", "store/family", false},
	} {
		got := len(layerViolations([][2]string{{tc.from, tc.to}})) > 0
		if got != tc.bad {
			t.Errorf("%s imports %s: refused %v, want %v", tc.from, tc.to, got, tc.bad)
		}
	}
}
