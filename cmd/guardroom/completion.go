package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Shell completion and the man page are generated from the command table:
// cliTree walks it once, and each shell's script and the man page are
// written from that tree, so a command added to the table shows up in all
// of them.

func completionCommands() []*command {
	return []*command{
		{
			name: "completion", args: "bash|zsh|fish", minArgs: 1, maxArgs: 1, noSettings: true,
			summary: "print the shell completion script for bash, zsh or fish",
			details: "Completes commands, subcommands, flags and the flag values guardroom knows without\n" +
				"opening the database (themes, formats, states, kinds, drivers, panel families).\n" +
				"make install puts the scripts where each shell looks; to try one in the current shell:\n" +
				"  bash: source <(guardroom completion bash)\n" +
				"  zsh:  source <(guardroom completion zsh)\n" +
				"  fish: guardroom completion fish | source",
			example: "guardroom completion bash > /etc/bash_completion.d/guardroom\nsource <(guardroom completion zsh)",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					write, ok := completionScripts[args[0]]
					if !ok {
						return usagef(e.cmd, "no completion for shell %q: choose bash, zsh or fish", args[0])
					}
					write(e.rawStdout, cliTree(commands))
					return nil
				}
			},
		},
		{
			name: "man", maxArgs: 0, noSettings: true,
			summary: "print guardroom's manual page (roff, section 1)",
			details: "make install puts it in share/man/man1; to read it without installing:\n" +
				"  guardroom man | man -l -",
			example: "guardroom man | man -l -\nguardroom man > guardroom.1",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error {
					writeMan(e.rawStdout, cliTree(commands))
					return nil
				}
			},
		},
	}
}

var completionScripts = map[string]func(io.Writer, *cliNode){
	"bash": writeBash,
	"zsh":  writeZsh,
	"fish": writeFish,
}

// choiceValue is a string flag with a fixed set of values, which shell
// completion offers. It checks nothing: the command checks the value, with
// its own message.
type choiceValue struct {
	p      *string
	values []string
}

func (c choiceValue) String() string {
	if c.p == nil {
		return ""
	}
	return *c.p
}

func (c choiceValue) Set(s string) error { *c.p = s; return nil }

// Choices is what completion offers.
func (c choiceValue) Choices() []string { return c.values }

// choiceVar defines a string flag whose value is one of values.
func choiceVar(fs *flag.FlagSet, p *string, name, value, usage string, values ...string) {
	*p = value
	fs.Var(choiceValue{p, values}, name, usage)
}

// choice is choiceVar with a new string.
func choice(fs *flag.FlagSet, name, value, usage string, values ...string) *string {
	p := new(string)
	choiceVar(fs, p, name, value, usage, values...)
	return p
}

// cliNode is a command or a group of the table, with what completion needs.
type cliNode struct {
	path    string // "", "operator role", "operator role add"
	word    string // the last word of path
	summary string
	cmd     *command // nil for a group and the top
	subs    []*cliNode
	flags   []cliFlag // a command's own flags; the top's are the global ones
	args    []cliArg  // a command's positional arguments
}

// cliFlag is one flag as completion sees it.
type cliFlag struct {
	name, arg, usage string   // arg is "" for a boolean flag
	values           []string // the fixed values, if any
	files            string   // "file" or "dir" when the value names one
}

// cliArg is one positional argument: fixed values ("push|accept"), a file,
// or nothing completion can know.
type cliArg struct {
	values  []string
	files   string
	command bool // a command path, word after word (help)
}

// cliTree builds the tree of commands from the table cmds.
func cliTree(cmds []*command) *cliNode {
	root := &cliNode{summary: "the guard-room console"}
	fs := newFlagSet("guardroom")
	var g globalFlags
	g.register(fs)
	fs.VisitAll(func(f *flag.Flag) { root.flags = append(root.flags, newCLIFlag(f)) })
	for _, c := range cmds {
		n := root
		words := strings.Fields(c.name)
		for i, w := range words {
			next := n.sub(w)
			if next == nil {
				path := strings.Join(words[:i+1], " ")
				next = &cliNode{path: path, word: w, summary: groupSummary[path]}
				n.subs = append(n.subs, next)
			}
			n = next
		}
		n.cmd, n.summary, n.flags, n.args = c, c.summary, ownFlags(c), parseArgs(c.args)
	}
	return root
}

func (n *cliNode) sub(word string) *cliNode {
	for _, s := range n.subs {
		if s.word == word {
			return s
		}
	}
	return nil
}

// walk calls fn for n and every node below it, parents first.
func (n *cliNode) walk(fn func(*cliNode)) {
	fn(n)
	for _, s := range n.subs {
		s.walk(fn)
	}
}

// ownFlags are c's flags less the global ones, sorted by name.
func ownFlags(c *command) []cliFlag {
	fs := newFlagSet(c.name)
	c.setup(fs)
	var g globalFlags
	g.register(fs)
	var out []cliFlag
	fs.VisitAll(func(f *flag.Flag) {
		if f.Value != g.lookup(f.Name) {
			out = append(out, newCLIFlag(f))
		}
	})
	return out
}

func newCLIFlag(f *flag.Flag) cliFlag {
	arg, usage := flag.UnquoteUsage(f)
	cf := cliFlag{name: f.Name, usage: usage}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
		cf.arg = arg
		cf.files = fileKind(arg)
	}
	if c, ok := f.Value.(interface{ Choices() []string }); ok {
		cf.values = shellWords(c.Choices())
	}
	return cf
}

// fileKind tells from an argument's name whether it names a file or a
// directory.
func fileKind(arg string) string {
	switch {
	case arg == "DIR":
		return "dir"
	case strings.HasSuffix(arg, "FILE"), arg == "EXPORT":
		return "file"
	}
	return ""
}

// parseArgs reads a command's synopsis ("PANEL SLOT push|accept",
// "[add|remove KIND VALUE]").
func parseArgs(synopsis string) []cliArg {
	var out []cliArg
	for _, w := range strings.Fields(synopsis) {
		w = strings.TrimSuffix(strings.Trim(w, "[]"), "...")
		a := cliArg{files: fileKind(w), command: w == "COMMAND"}
		if strings.Contains(w, "|") {
			a.values = shellWords(strings.Split(w, "|"))
		}
		out = append(out, a)
	}
	return out
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:+-]*$`)

// shellWords keeps the values a script can hold unquoted: a theme or
// model name that needed quoting is left to be typed.
func shellWords(values []string) []string {
	var out []string
	for _, v := range values {
		if plainWord.MatchString(v) {
			out = append(out, v)
		}
	}
	return out
}

func (n *cliNode) words() []string {
	var out []string
	for _, s := range n.subs {
		out = append(out, s.word)
	}
	return out
}

// valueFlags are the flags of fs that take a value.
func valueFlags(flags []cliFlag) []cliFlag {
	var out []cliFlag
	for _, f := range flags {
		if f.arg != "" {
			out = append(out, f)
		}
	}
	return out
}

// sq quotes s for sh, bash and zsh.
func sq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// writeShData writes the functions the bash and zsh scripts share: they
// say what the table holds, in syntax both shells read.
func writeShData(w io.Writer, root *cliNode) {
	fmt.Fprint(w, "# _guardroom_subs PATH: the subcommands of a command path ('' is the top).\n_guardroom_subs() {\n\tcase $1 in\n")
	root.walk(func(n *cliNode) {
		if len(n.subs) > 0 {
			fmt.Fprintf(w, "\t%s) echo %s ;;\n", sq(n.path), strings.Join(n.words(), " "))
		}
	})
	fmt.Fprint(w, "\tesac\n}\n\n")

	fmt.Fprint(w, "# _guardroom_flags PATH: its flags, a flag that takes a value with = after it.\n_guardroom_flags() {\n\tlocal own=\n\tcase $1 in\n")
	root.walk(func(n *cliNode) {
		if n.cmd != nil && len(n.flags) > 0 {
			fmt.Fprintf(w, "\t%s) own=%s ;;\n", sq(n.path), sq(flagList(n.flags)+" "))
		}
	})
	fmt.Fprintf(w, "\tesac\n\techo \"$own\"%s\n}\n\n", sq(flagList(root.flags)+" --help"))

	fmt.Fprint(w, "# _guardroom_value PATH FLAG: the flag's values, or :file or :dir.\n_guardroom_value() {\n\tcase \"$1 $2\" in\n")
	root.walk(func(n *cliNode) {
		for _, f := range n.flags {
			pattern := sq(n.path + " --" + f.name)
			if n == root {
				pattern = "*" + sq(" --"+f.name)
			}
			if v := valueWords(f.values, f.files); v != "" {
				fmt.Fprintf(w, "\t%s) echo %s ;;\n", pattern, v)
			}
		}
	})
	fmt.Fprint(w, "\tesac\n}\n\n")
	fmt.Fprint(w, shTakes)

	fmt.Fprint(w, "# _guardroom_arg PATH N: the values of positional argument N (from 0), or :file,\n# :dir, or :command (the arguments so far are a command path).\n_guardroom_arg() {\n\tcase \"$1 $2\" in\n")
	root.walk(func(n *cliNode) {
		for _, a := range argCases(n) {
			pattern := sq(n.path + " " + a.n)
			if a.n == "*" {
				pattern = sq(n.path+" ") + "*"
			}
			fmt.Fprintf(w, "\t%s) echo %s ;;\n", pattern, a.spec)
		}
	})
	fmt.Fprint(w, "\tesac\n}\n\n")
}

// argCase is what completion offers for positional argument n ("*": from
// there on) of a command.
type argCase struct{ n, spec string }

func argCases(n *cliNode) []argCase {
	var out []argCase
	for i, a := range n.args {
		switch v := valueWords(a.values, a.files); {
		case a.command:
			out = append(out, argCase{"*", ":command"})
		case v != "":
			out = append(out, argCase{strconv.Itoa(i), v})
		}
	}
	return out
}

func flagList(flags []cliFlag) string {
	var out []string
	for _, f := range flags {
		s := "--" + f.name
		if f.arg != "" {
			s += "="
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func valueWords(values []string, files string) string {
	if files != "" {
		return ":" + files
	}
	return strings.Join(values, " ")
}

// shTakes says whether a flag of a command path takes a value, given as
// -name, --name, or with its =value.
const shTakes = `# _guardroom_takes PATH FLAG: whether the flag takes a value.
_guardroom_takes() {
	local f=${2#-}
	f=--${f#-}
	[[ " $(_guardroom_flags "$1") " == *" ${f%%=*}= "* ]]
}

# _guardroom_norm FLAG: the flag as --name.
_guardroom_norm() {
	local f=${1#-}
	echo "--${f#-}"
}

`

// The walk both shells do over the words before the cursor: global flags
// and their values are skipped, command words make the path, the words
// after a whole command are its arguments. It sets cpath, leaf (the path is
// a command), n (the number of arguments so far) and args (them). $w is the next word, $i its
// index in $words; bash splits --flag=value at '=', zsh does not.
const shWalk = `		if [[ -n $dd ]]; then
			n=$((n + 1)) args=${args:+$args }$w
		elif [[ $w == -- ]]; then
			dd=1
		elif [[ $w == '=' ]]; then
			i=$((i + 1)) # bash: the value after --flag=
		elif [[ $w == -* ]]; then
			if [[ $w != *=* ]] && _guardroom_takes "$cpath" "$w"; then
				i=$((i + 1))
				[[ ${words[i]} != '=' ]] || i=$((i + 1))
			fi
		elif [[ -n $leaf ]]; then
			n=$((n + 1)) args=${args:+$args }$w
		elif [[ " $(_guardroom_subs "$cpath") " == *" $w "* ]]; then
			cpath=${cpath:+$cpath }$w
			[[ -n $(_guardroom_subs "$cpath") ]] || leaf=1
		else
			return 0 # not a command guardroom knows
		fi
`

func writeBash(w io.Writer, root *cliNode) {
	fmt.Fprint(w, "# bash completion for guardroom; generated by 'guardroom completion bash' from its\n# command table. Load it with: source <(guardroom completion bash)\n\n")
	writeShData(w, root)
	fmt.Fprint(w, `# _guardroom_reply SPEC: COMPREPLY from a value list, :file or :dir.
_guardroom_reply() {
	local IFS=$' \t\n'
	case $1 in
	:file | :dir)
		IFS=$'\n'
		COMPREPLY=($(compgen -${1:1:1} -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	*) COMPREPLY=($(compgen -W "$1" -- "$cur")) ;;
	esac
}

_guardroom() {
	local cur=${COMP_WORDS[COMP_CWORD]} cpath= leaf= dd= n=0 args= i w f
	local -a words=("${COMP_WORDS[@]}")
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${words[i]}
`+shWalk+`	done
	# The value of a flag: "--theme da", or "--theme=da" split at '='.
	f=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $cur == '=' ]]; then
		cur=
	elif [[ $f == '=' && COMP_CWORD -ge 2 ]]; then
		f=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if [[ -z $dd && $f == -* ]] && _guardroom_takes "$cpath" "$f"; then
		_guardroom_reply "$(_guardroom_value "$cpath" "$(_guardroom_norm "$f")")"
	elif [[ -z $dd && $cur == -* ]]; then
		w=$(_guardroom_flags "$cpath")
		_guardroom_reply "${w//=/}"
	elif [[ -z $leaf ]]; then
		_guardroom_reply "$(_guardroom_subs "$cpath")"
	else
		f=$(_guardroom_arg "$cpath" "$n")
		[[ $f != :command ]] || f=$(_guardroom_subs "$args")
		_guardroom_reply "$f"
	fi
	return 0
}
complete -F _guardroom guardroom
`)
}

// zq quotes a "value:description" item for zsh's _describe.
func zq(word, desc string) string { return sq(strings.ReplaceAll(word, ":", `\:`) + ":" + desc) }

func writeZsh(w io.Writer, root *cliNode) {
	fmt.Fprint(w, "#compdef guardroom\n# zsh completion for guardroom; generated by 'guardroom completion zsh' from its\n# command table. Install it as _guardroom in a directory of $fpath, or load it with:\n# source <(guardroom completion zsh)\n\n")
	writeShData(w, root)
	fmt.Fprint(w, "# _guardroom_describe PATH: its subcommands with what they do.\n_guardroom_describe() {\n\tlocal -a d\n\tcase $1 in\n")
	root.walk(func(n *cliNode) {
		if len(n.subs) == 0 {
			return
		}
		var items []string
		for _, s := range n.subs {
			items = append(items, zq(s.word, s.summary))
		}
		fmt.Fprintf(w, "\t%s) d=(\n\t\t%s\n\t) ;;\n", sq(n.path), strings.Join(items, "\n\t\t"))
	})
	fmt.Fprint(w, "\tesac\n\t_describe -t commands 'guardroom command' d\n}\n\n")
	fmt.Fprint(w, `# _guardroom_reply SPEC: completions from a value list, :file or :dir.
_guardroom_reply() {
	case $1 in
	:file) _files ;;
	:dir) _files -/ ;;
	?*) compadd -- ${=1} ;;
	esac
}

_guardroom() {
	local cpath= leaf= dd= n=0 args= i w f cur=${words[CURRENT]}
	for ((i = 2; i < CURRENT; i++)); do
		w=${words[i]}
`+shWalk+`	done
	f=${words[CURRENT-1]}
	if [[ -z $dd && $cur == -*=* ]]; then
		f=${cur%%=*}
		compset -P '*='
		_guardroom_reply "$(_guardroom_value "$cpath" "$(_guardroom_norm "$f")")"
	elif [[ -z $dd && $f == -* ]] && _guardroom_takes "$cpath" "$f"; then
		_guardroom_reply "$(_guardroom_value "$cpath" "$(_guardroom_norm "$f")")"
	elif [[ -z $dd && $cur == -* ]]; then
		w=$(_guardroom_flags "$cpath")
		_guardroom_reply "${w//=/}"
	elif [[ -z $leaf ]]; then
		_guardroom_describe "$cpath"
	elif [[ $(_guardroom_arg "$cpath" "$n") == :command ]]; then
		_guardroom_describe "$args"
	else
		_guardroom_reply "$(_guardroom_arg "$cpath" "$n")"
	fi
}

if [ "$funcstack[1]" = _guardroom ]; then
	_guardroom "$@"
else
	compdef _guardroom guardroom
fi
`)
}

// fq quotes s for fish.
func fq(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// writeFish writes one completion function that fish calls for every
// word: it walks the line once, as the bash and zsh scripts do, and prints
// the candidates with their descriptions (fish filters them by what is
// typed). A complete line per command and flag would each walk the line.
func writeFish(w io.Writer, root *cliNode) {
	fmt.Fprint(w, "# fish completion for guardroom; generated by 'guardroom completion fish' from its\n# command table. Load it with: guardroom completion fish | source\n\n")
	fmt.Fprint(w, "# __guardroom_subs PATH: the subcommands of a command path ('' is the top),\n# a line each with what it does.\nfunction __guardroom_subs\n\tswitch \"$argv[1]\"\n")
	root.walk(func(n *cliNode) {
		if len(n.subs) == 0 {
			return
		}
		var items []string
		for _, s := range n.subs {
			items = append(items, fq(s.word), fq(s.summary))
		}
		fmt.Fprintf(w, "\t\tcase %s\n\t\t\tprintf '%%s\\t%%s\\n' %s\n", fq(n.path), strings.Join(items, " "))
	})
	fmt.Fprint(w, "\tend\nend\n\n# __guardroom_flags PATH: its flags, a line each with what it does.\nfunction __guardroom_flags\n\tswitch \"$argv[1]\"\n")
	root.walk(func(n *cliNode) {
		if n.cmd != nil && len(n.flags) > 0 {
			fmt.Fprintf(w, "\t\tcase %s\n\t\t\tprintf '%%s\\t%%s\\n' %s\n", fq(n.path), fishFlagItems(n.flags))
		}
	})
	fmt.Fprintf(w, "\tend\n\tprintf '%%s\\t%%s\\n' %s --help 'show the help'\nend\n\n", fishFlagItems(root.flags))
	fmt.Fprint(w, "# __guardroom_takes PATH FLAG: whether the flag takes a value.\nfunction __guardroom_takes\n\tset -l f --(string replace -r -- '^-+' '' $argv[2])\n\tset -l own\n\tswitch \"$argv[1]\"\n")
	root.walk(func(n *cliNode) {
		if vf := valueFlags(n.flags); n.cmd != nil && len(vf) > 0 {
			fmt.Fprintf(w, "\t\tcase %s\n\t\t\tset own %s\n", fq(n.path), flagNames(vf))
		}
	})
	fmt.Fprintf(w, "\tend\n\tcontains -- $f $own %s\nend\n\n", flagNames(valueFlags(root.flags)))
	fmt.Fprint(w, "# __guardroom_value PATH FLAG: the flag's values, or :file or :dir.\nfunction __guardroom_value\n\tswitch \"$argv[1] --\"(string replace -r -- '^-+' '' $argv[2])\n")
	root.walk(func(n *cliNode) {
		for _, f := range n.flags {
			pattern := fq(n.path + " --" + f.name)
			if n == root {
				pattern = fq("* --" + f.name)
			}
			if v := valueWords(f.values, f.files); v != "" {
				fmt.Fprintf(w, "\t\tcase %s\n\t\t\techo %s\n", pattern, v)
			}
		}
	})
	fmt.Fprint(w, "\tend\nend\n\n# __guardroom_arg PATH N: the values of positional argument N (from 0), or :file.\nfunction __guardroom_arg\n\tswitch \"$argv[1] $argv[2]\"\n")
	root.walk(func(n *cliNode) {
		for _, a := range argCases(n) {
			fmt.Fprintf(w, "\t\tcase %s\n\t\t\techo %s\n", fq(n.path+" "+a.n), a.spec)
		}
	})
	io.WriteString(w, `	end
end

# __guardroom_reply SPEC [PREFIX]: candidates from a value list, :file or
# :dir, each after PREFIX (--flag= when the value is in the same word).
function __guardroom_reply
	set -l prefix ''
	set -q argv[2]; and set prefix $argv[2]
	set -l tok (string sub -s (math (string length -- $prefix) + 1) -- (commandline -ct))
	switch "$argv[1]"
		case :file
			printf '%s\n' $prefix(__fish_complete_path "$tok")
		case :dir
			printf '%s\n' $prefix(__fish_complete_directories "$tok")
		case '*'
			for v in (string split -n ' ' -- $argv[1])
				echo $prefix$v
			end
	end
end

# __guardroom_complete: walks the words before the cursor (global flags and
# their values skipped, command words make the path, the words after a
# whole command are its arguments) and prints what may come next.
function __guardroom_complete
	set -l words (commandline -opc)
	set -e words[1]
	set -l cur (commandline -ct)
	set -l cpath ''
	set -l leaf 0
	set -l dd 0
	set -l n 0
	set -l args
	set -l skip 0
	for w in $words
		if test $skip = 1
			set skip 0
		else if test $dd = 1
			set n (math $n + 1)
			set -a args $w
		else if test "$w" = --
			set dd 1
		else if string match -q -- '-*=*' $w
		else if string match -q -- '-*' $w
			__guardroom_takes "$cpath" $w; and set skip 1
		else if test $leaf = 1
			set n (math $n + 1)
			set -a args $w
		else if contains -- $w (__guardroom_subs "$cpath" | string replace -r '\t.*' '')
			set cpath (string trim -- "$cpath $w")
			set -l subs (__guardroom_subs "$cpath")
			test (count $subs) = 0; and set leaf 1
		else
			return # not a command guardroom knows
		end
	end
	if test $dd = 0
		if test $skip = 1
			__guardroom_reply (__guardroom_value "$cpath" $words[-1])
			return
		else if string match -q -- '-*=*' $cur
			set -l f (string split -m 1 = -- $cur)
			__guardroom_reply (__guardroom_value "$cpath" $f[1]) $f[1]=
			return
		else if string match -q -- '-*' $cur
			__guardroom_flags "$cpath"
			return
		end
	end
	if test $leaf = 0
		__guardroom_subs "$cpath"
	else
		set -l spec (__guardroom_arg "$cpath" $n)
		if test "$spec" = :command
			__guardroom_subs "$args"
		else
			__guardroom_reply $spec
		end
	end
end

complete -c guardroom -f -a '(__guardroom_complete)'
`)
}

func fishFlagItems(flags []cliFlag) string {
	var items []string
	for _, f := range flags {
		items = append(items, fq("--"+f.name), fq(f.usage))
	}
	return strings.Join(items, " ")
}

func flagNames(flags []cliFlag) string {
	var out []string
	for _, f := range flags {
		out = append(out, "--"+f.name)
	}
	return strings.Join(out, " ")
}
