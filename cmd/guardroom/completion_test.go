package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/themes"
)

// needTool returns the path of a program the test runs (a shell, groff).
// When it is missing the test is skipped, naming the Debian package
// (.ci/peers installs it); under CI (CI=true) it fails instead, so that a
// broken install cannot hide behind a skip.
func needTool(t *testing.T, program, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		msg := program + " is not installed (apt-get install " + pkg + ", or make peers)"
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and " + msg + "; .ci/run installs it when it runs as root")
		}
		t.Skip(msg)
	}
	return path
}

// planted is a command the table does not have: generated from a table
// with it, every script and the man page must know it, its flag and the
// flag's values.
var planted = &command{
	name: "zz-planted deeper", args: "FILE", minArgs: 1, maxArgs: 1,
	summary: "a command planted by the test",
	setup: func(fs *flag.FlagSet) runFunc {
		choice(fs, "zz-colour", "", "a `COLOUR`: red or blue", "red", "blue")
		return nil
	},
}

// tableCase is one thing the table says completion must offer: want after
// the words typed (the last one is the word being completed).
type tableCase struct {
	want  []string
	words []string
}

// tableCases walks the command table itself (not the completion tree):
// every command word after its parent's words, every flag of every
// command (its own and the global ones) after "--", and the values of
// every flag that has a fixed set.
func tableCases(cmds []*command) []tableCase {
	var out []tableCase
	for _, c := range cmds {
		words := strings.Fields(c.name)
		for i := range words {
			out = append(out, tableCase{[]string{words[i]}, append(append([]string{"guardroom"}, words[:i]...), "")})
		}
		fs := newFlagSet(c.name)
		c.setup(fs)
		var g globalFlags
		g.register(fs)
		var flags []string
		fs.VisitAll(func(f *flag.Flag) {
			flags = append(flags, "--"+f.Name)
			if v, ok := f.Value.(interface{ Choices() []string }); ok {
				out = append(out, tableCase{shellWords(v.Choices()), append(append([]string{"guardroom"}, words...), "--"+f.Name, "")})
			}
		})
		out = append(out, tableCase{flags, append(append([]string{"guardroom"}, words...), "--")})
	}
	return out
}

// bashDriver sources the script and checks every case in one bash, printing
// what is missing.
func bashDriver(script string, cases []tableCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, `source %s
check() {
	local want=$1 w have
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_guardroom
	have=" ${COMPREPLY[*]} "
	for w in $want; do
		[[ $have == *" $w "* ]] || echo "missing $w after: $*"
	done
}
`, sq(script))
	for _, c := range cases {
		var words []string
		for _, w := range c.words {
			words = append(words, sq(w))
		}
		fmt.Fprintf(&b, "check %s %s\n", sq(strings.Join(c.want, " ")), strings.Join(words, " "))
	}
	return b.String()
}

func fishDriver(script string, cases []tableCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, `source %s
function check
	set -l have (complete -C $argv[2] | string replace -r '\t.*' '')
	for w in (string split ' ' -- $argv[1])
		contains -- $w $have; or echo "missing $w after: $argv[2]"
	end
end
`, fq(script))
	for _, c := range cases {
		fmt.Fprintf(&b, "check %s %s\n", fq(strings.Join(c.want, " ")), fq(strings.Join(c.words, " ")))
	}
	return b.String()
}

func generate(t *testing.T, write func(w *bytes.Buffer), name string) string {
	t.Helper()
	var buf bytes.Buffer
	write(&buf)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCompletionCoversTable: a completion script made from the table, with
// a planted command, offers every command, subcommand, flag and fixed flag
// value of the table, asked in a real bash (and fish where it is
// installed); the zsh script lists every command word and passes zsh -n.
func TestCompletionCoversTable(t *testing.T) {
	cmds := append(slices.Clone(commands), planted)
	tree := cliTree(cmds)
	cases := tableCases(cmds)
	if !slices.ContainsFunc(cases, func(c tableCase) bool { return slices.Equal(c.want, []string{"red", "blue"}) }) {
		t.Fatal("the planted flag's values are not among the cases")
	}

	t.Run("bash", func(t *testing.T) {
		bash := needTool(t, "bash", "bash")
		script := generate(t, func(w *bytes.Buffer) { writeBash(w, tree) }, "guardroom.bash")
		runTool(t, bash, "-n", script)
		driver := generate(t, func(w *bytes.Buffer) { w.WriteString(bashDriver(script, cases)) }, "driver.bash")
		if out := runTool(t, bash, "--norc", "--noprofile", driver); out != "" {
			t.Errorf("bash completion misses what the table has:\n%s", out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		fish := needTool(t, "fish", "fish")
		script := generate(t, func(w *bytes.Buffer) { writeFish(w, tree) }, "guardroom.fish")
		runTool(t, fish, "--no-config", "-n", script)
		driver := generate(t, func(w *bytes.Buffer) { w.WriteString(fishDriver(script, cases)) }, "driver.fish")
		if out := runTool(t, fish, "--no-config", driver); out != "" {
			t.Errorf("fish completion misses what the table has:\n%s", out)
		}
	})
	t.Run("zsh", func(t *testing.T) {
		zsh := needTool(t, "zsh", "zsh")
		script := generate(t, func(w *bytes.Buffer) { writeZsh(w, tree) }, "_guardroom")
		runTool(t, zsh, "-n", script)
		text, _ := os.ReadFile(script)
		for _, c := range cmds {
			words := strings.Fields(c.name)
			for i := range words {
				line := "\t" + sq(strings.Join(words[:i], " ")) + ") echo "
				if !slices.ContainsFunc(strings.Split(string(text), "\n"), func(l string) bool {
					return strings.HasPrefix(l, line) && slices.Contains(strings.Fields(l), words[i])
				}) {
					t.Errorf("zsh script: no %q after %q", words[i], words[:i])
				}
				if !strings.Contains(string(text), sq(words[i]+":"+groupOrSummary(c, words[:i+1]))) {
					t.Errorf("zsh script: %q is not described", strings.Join(words[:i+1], " "))
				}
			}
		}
	})
}

// groupOrSummary is what the table says a command path is.
func groupOrSummary(c *command, words []string) string {
	if path := strings.Join(words, " "); path != c.name {
		return groupSummary[path]
	}
	return c.summary
}

// TestManCoversTable: the man page made from the table, with a planted
// command, has every command with its arguments and flags, and groff reads
// it without a warning.
func TestManCoversTable(t *testing.T) {
	cmds := append(slices.Clone(commands), planted)
	var buf bytes.Buffer
	writeMan(&buf, cliTree(cmds))
	page := buf.String()
	dash := strings.NewReplacer("-", `\-`)
	for _, c := range cmds {
		head := `\fBguardroom ` + dash.Replace(c.name) + `\fR`
		if c.args != "" {
			head += ` \fI` + dash.Replace(c.args) + `\fR`
		}
		if !strings.Contains(page, ".TP\n"+head+"\n") {
			t.Errorf("man page: no entry %q", head)
		}
		fs := newFlagSet(c.name)
		c.setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(page, `\fB\-\-`+dash.Replace(f.Name)+`\fR`) {
				t.Errorf("man page: %s has no --%s", c.name, f.Name)
			}
		})
	}
	groff := needTool(t, "groff", "groff-base")
	path := generate(t, func(w *bytes.Buffer) { w.WriteString(page) }, "guardroom.1")
	out := runTool(t, groff, "-man", "-Tutf8", "-ww", "-z", path)
	if out != "" {
		t.Errorf("groff warns about the man page:\n%s", out)
	}
	text := runTool(t, groff, "-man", "-Tascii", path)
	for _, want := range []string{"GUARDROOM(1)", "zz-planted deeper FILE", "--zz-colour COLOUR", "EXIT STATUS"} {
		if !strings.Contains(stripOverstrike(text), want) {
			t.Errorf("rendered man page lacks %q", want)
		}
	}
}

// stripOverstrike removes groff's bold and underline (X\bX, _\bX).
func stripOverstrike(s string) string {
	r := []rune(s)
	var out []rune
	for i := 0; i < len(r); i++ {
		if i+2 < len(r) && r[i+1] == '\b' {
			continue
		}
		if r[i] == '\b' {
			continue
		}
		out = append(out, r[i])
	}
	return string(out)
}

// TestBashCompletion asks a real bash what guardroom's completion offers
// as an installer types.
func TestBashCompletion(t *testing.T) {
	bash := needTool(t, "bash", "bash")
	newSite(t)
	var buf bytes.Buffer
	if r := runArgs("", "completion", "bash"); r.code != 0 {
		t.Fatalf("completion bash: %d %s", r.code, r.stderr)
	} else {
		buf.WriteString(r.stdout)
	}
	script := generate(t, func(w *bytes.Buffer) { w.Write(buf.Bytes()) }, "guardroom.bash")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "site.bak"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	themeNames := strings.Join(append([]string{"auto"}, themes.Names()...), " ")
	for _, tc := range []struct {
		name, line, want string
	}{
		{"a command", "guardroom us", "user"},
		{"a subcommand", "guardroom user l", "label list"},
		{"a subcommand after a global flag and its value", "guardroom --data /x operator role a", "add"},
		{"after a global flag given with =", "guardroom --data=/x lo", "lock log"},
		{"flags of a command", "guardroom log export x --f", "--force --format"},
		{"a flag's fixed values", "guardroom console --theme ", themeNames},
		{"a flag's value after =", "guardroom console --theme=da", "dark"},
		{"a flag's value written with one dash", "guardroom log export x -format c", "csv"},
		{"a positional argument with fixed values", "guardroom completion ", "bash fish zsh"},
		{"only the first argument has them", "guardroom completion bash ", ""},
		{"a file argument", "guardroom restore " + dir + "/si", dir + "/site.bak"},
		{"a file flag", "guardroom --key-file " + dir + "/s", dir + "/site.bak"},
		{"no value known without the database", "guardroom user list ", ""},
		{"help takes a command", "guardroom help operator role ", "add edit remove"},
		{"an unknown command", "guardroom nosuch ", ""},
		{"no flags after --", "guardroom log export -- --f", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// bash splits the line at '=' as readline does (COMP_WORDBREAKS).
			words := strings.Fields(strings.ReplaceAll(tc.line, "=", " = "))
			if strings.HasSuffix(tc.line, " ") {
				words = append(words, "")
			}
			args := append([]string{"--norc", "--noprofile", "-c", `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _guardroom; printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '`, "_", script}, words...)
			got := strings.TrimSpace(runTool(t, bash, args...))
			want := strings.Fields(tc.want)
			slices.Sort(want)
			if got != strings.Join(want, " ") {
				t.Errorf("%q<TAB>: got %q, want %q", tc.line, got, strings.Join(want, " "))
			}
		})
	}
}

// TestCompletionCommand: completion and man print to stdout without a site,
// and an unknown shell is a usage error naming the ones there are.
func TestCompletionCommand(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"completion", "bash"}, "complete -F _guardroom guardroom"},
		{[]string{"completion", "zsh"}, "#compdef guardroom"},
		{[]string{"completion", "fish"}, "complete -c guardroom"},
		{[]string{"man"}, ".TH GUARDROOM 1"},
	} {
		r := runArgs("", tc.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%v: exit %d, stdout lacks %q; stderr %s", tc.args, r.code, tc.want, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(s.root); len(entries) > 0 {
		t.Errorf("completion or man wrote in %s: %v", s.root, entries)
	}
	r := runArgs("", "completion", "powershell")
	if r.code != exitUsage || !strings.Contains(r.stderr, "choose bash, zsh or fish") {
		t.Errorf("completion powershell: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestChoiceFlagsMatchHelp: every fixed value completion offers for a flag
// is one its help names, unless the help points to the list elsewhere.
func TestChoiceFlagsMatchHelp(t *testing.T) {
	for _, c := range commands {
		fs := newFlagSet(c.name)
		c.setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			v, ok := f.Value.(interface{ Choices() []string })
			if !ok {
				return
			}
			if len(v.Choices()) == 0 {
				t.Errorf("%s --%s: a choice flag with no values", c.name, f.Name)
			}
			if strings.Contains(f.Usage, "(guardroom panel ") || strings.Contains(f.Usage, "(see guardroom panel ") {
				return // the values are listed by that command
			}
			for _, val := range v.Choices() {
				if !strings.Contains(f.Usage, val) {
					t.Errorf("%s --%s offers %q, which its help does not name: %s", c.name, f.Name, val, f.Usage)
				}
			}
		})
	}
}
