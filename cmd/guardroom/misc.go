package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.0".
var version = "dev"

func miscCommands() []*command {
	return []*command{
		{
			name: "version", maxArgs: 0, noSettings: true,
			summary: "print guardroom's version",
			example: "guardroom version",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error {
					v := version
					if info, ok := debug.ReadBuildInfo(); ok {
						for _, s := range info.Settings {
							if s.Key == "vcs.revision" && len(s.Value) >= 12 {
								v += " " + s.Value[:12]
							}
						}
					}
					fmt.Fprintf(e.stdout, "guardroom %s (%s %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
					return nil
				}
			},
		},
		{
			name: "help", args: "[COMMAND]", maxArgs: 2, noSettings: true,
			summary: "list all commands, or show one command's flags and an example",
			example: "guardroom help\nguardroom help user set-code",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					switch {
					case len(args) == 0:
						printMainUsage(e.stdout)
					case lookup(strings.Join(args, " ")) != nil:
						printCommandUsage(e.stdout, lookup(strings.Join(args, " ")))
					case isGroup(strings.Join(args, " ")):
						printGroupUsage(e.stdout, strings.Join(args, " "))
					default:
						return &usageError{msg: fmt.Sprintf("no command %q", strings.Join(args, " "))}
					}
					return nil
				}
			},
		},
	}
}
