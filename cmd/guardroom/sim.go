package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store/family"
)

// simFamilyAliases lets an installer name a panel line rather than a
// model: the simulator then plays that line's largest panel.
var simFamilyAliases = map[string]string{
	"dsc-neo": "neo-hs2128e",
	"neo":     "neo-hs2128e",
	"dsc":     "dsc-pc1864",
	"qolsys":  "qolsys-iq4",
	"visonic": "visonic-powermaster30",
}

func simCommands() []*command {
	return []*command{{
		name: "sim", maxArgs: 0, noSettings: true,
		summary: "serve a simulated alarm panel over Modbus TCP (guardroom's register map, docs/modbus.md)",
		details: "For trying the modbus driver with no hardware. It needs no database and binds only\n" +
			"the address given; stop it with ctrl+c.",
		example: "guardroom sim --listen 127.0.0.1:5020 --family neo-hs2128e\n" +
			"guardroom sim --listen 127.0.0.1:1502 --family dsc-pc1864 --unit 17 --base 1000",
		setup: func(fs *flag.FlagSet) runFunc {
			listen := fs.String("listen", "127.0.0.1:5020", "serve Modbus TCP on `HOST:PORT` (port 0 picks a free one)")
			fam := choice(fs, "family", "neo-hs2128e", "simulate a panel of `FAMILY` (guardroom panel families), or a line: dsc-neo, dsc, qolsys, visonic", familyIDs()...)
			unit := fs.Uint("unit", 0, "answer only unit id `N` (0 answers every unit id)")
			base := fs.Uint("base", 0, "start the register map at `REGISTER`")
			slots := fs.Int("slots", 0, "user `SLOTS` (0: the family's count; generic panels take more)")
			codeLength := fs.Int("code-length", 0, "code length in `DIGITS` (0: the family's default)")
			return func(e *env, _ []string) error {
				if id, ok := simFamilyAliases[strings.ToLower(*fam)]; ok {
					*fam = id
				}
				if _, ok := family.Lookup(*fam); !ok {
					return usagef(e.cmd, "--family %q: not a panel family (guardroom panel families lists them)", *fam)
				}
				if *unit > 255 || *base > 65535 {
					return usagef(e.cmd, "--unit takes 0-255 and --base 0-65535")
				}
				s, err := modbus.NewSimulator(*fam, modbus.SimOptions{Slots: *slots, CodeLength: *codeLength, Unit: uint8(*unit), Base: uint16(*base)})
				if err != nil {
					return err
				}
				addr, err := s.Listen(e.ctx, *listen)
				if err != nil {
					return fmt.Errorf("listen on %s: %w", *listen, err)
				}
				fmt.Fprintf(e.stdout, "Simulated %s panel (Modbus TCP, register map v%d) on %s; stop with ctrl+c.\n", *fam, modbus.MapVersion, addr)
				if err := s.Serve(e.ctx); err != nil && e.ctx.Err() == nil {
					return err
				}
				return nil
			}
		},
	}}
}
