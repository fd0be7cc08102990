package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/guardroom/guardroom/drivers/dsc"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/drivers/vista"
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
		summary: "serve a simulated alarm panel: over Modbus TCP (guardroom's register map) or behind a simulated Envisalink",
		details: "For trying a driver with no hardware. It needs no database and binds only the address\n" +
			"given; stop it with ctrl+c. --protocol modbus (docs/modbus.md), envisalink-dsc (a DSC\n" +
			"PowerSeries behind an Envisalink) or envisalink-vista (a Honeywell VISTA-20P behind one;\n" +
			"docs/envisalink.md): the simulated Envisalink makes up its password and master code and\n" +
			"prints them, for guardroom panel secret.",
		example: "guardroom sim --listen 127.0.0.1:5020 --family neo-hs2128e\n" +
			"guardroom sim --listen 127.0.0.1:1502 --family dsc-pc1864 --unit 17 --base 1000\n" +
			"guardroom sim --protocol envisalink-dsc --listen 127.0.0.1:4025 --family dsc-pc1832\n" +
			"guardroom sim --protocol envisalink-vista --listen 127.0.0.1:4026",
		setup: func(fs *flag.FlagSet) runFunc {
			listen := fs.String("listen", "127.0.0.1:5020", "serve on `HOST:PORT` (port 0 picks a free one)")
			protocol := choice(fs, "protocol", "modbus", "`PROTOCOL`: modbus, envisalink-dsc or envisalink-vista", simProtocols...)
			fam := choice(fs, "family", "", "simulate a panel of `FAMILY` (guardroom panel families), or a line: dsc-neo, dsc, qolsys, visonic (modbus: neo-hs2128e; envisalink-dsc: dsc-pc1864; envisalink-vista: vista-20p)", familyIDs()...)
			unit := fs.Uint("unit", 0, "modbus: answer only unit id `N` (0 answers every unit id)")
			base := fs.Uint("base", 0, "modbus: start the register map at `REGISTER`")
			slots := fs.Int("slots", 0, "user `SLOTS` (0: the family's count; generic panels take more)")
			codeLength := fs.Int("code-length", 0, "code length in `DIGITS` (0: the family's default)")
			return func(e *env, _ []string) error {
				if *fam == "" {
					*fam = map[string]string{"modbus": "neo-hs2128e", "envisalink-dsc": "dsc-pc1864", "envisalink-vista": "vista-20p"}[*protocol]
				}
				if id, ok := simFamilyAliases[strings.ToLower(*fam)]; ok {
					*fam = id
				}
				f, ok := family.Lookup(*fam)
				if !ok {
					return usagef(e.cmd, "--family %q: not a panel family (guardroom panel families lists them)", *fam)
				}
				switch *protocol {
				case "envisalink-dsc":
					if f.Type != family.TypeDSC {
						return usagef(e.cmd, "--family %q: an Envisalink's DSC flavour simulates a DSC PowerSeries (dsc-pc1616, dsc-pc1832, dsc-pc1864)", *fam)
					}
					return e.simEnvisalink(*listen, f, *slots, *codeLength)
				case "envisalink-vista":
					if f.Type != family.TypeVista {
						return usagef(e.cmd, "--family %q: an Envisalink's Ademco flavour simulates a Honeywell Vista (vista-20p)", *fam)
					}
					return e.simEnvisalink(*listen, f, *slots, *codeLength)
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

// simProtocols are what guardroom sim speaks.
var simProtocols = []string{"modbus", "envisalink-dsc", "envisalink-vista"}

// simEnvisalink serves a panel of family f behind a simulated Envisalink
// until ctrl+c. Its password and master code are made up here and printed:
// they are a simulator's, for guardroom panel secret, not a site's.
func (e *env) simEnvisalink(listen string, f family.Family, slots, codeLength int) error {
	if codeLength == 0 {
		codeLength = f.CodeLengths[0]
	}
	if !f.AllowsCodeLength(codeLength) {
		return usagef(e.cmd, "--code-length %d: a %s takes codes of %v digits", codeLength, f.Model, f.CodeLengths)
	}
	if slots == 0 {
		slots = f.Slots
	}
	password, master := simSecret(8, false), simSecret(codeLength, true)
	var serve func(net.Listener) error
	if f.Type == family.TypeVista {
		sim := vista.NewSimulator(vista.SimOptions{Password: password, MasterCode: master, InstallerCode: simSecret(codeLength, true),
			Slots: slots, Partitions: f.Partitions, ExitDelay: 10 * time.Second, KeyDelay: 50 * time.Millisecond, KeypadEvery: 10 * time.Second})
		defer sim.Close()
		serve = sim.Serve
	} else {
		sim := dsc.NewSimulator(dsc.SimOptions{Password: password, MasterCode: master, CodeLength: codeLength, Slots: slots, Partitions: f.Partitions,
			ExitDelay: 10 * time.Second, KeyDelay: 50 * time.Millisecond})
		defer sim.Close()
		serve = sim.Serve
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	go func() {
		<-e.ctx.Done()
		l.Close()
	}()
	fmt.Fprintf(e.stdout, "Simulated %s behind an Envisalink (TPI) on %s; password %s, master code %s (the simulator's); stop with ctrl+c.\n",
		f.Model, l.Addr(), password, master)
	if err := serve(l); err != nil && e.ctx.Err() == nil {
		return err
	}
	return nil
}

// simSecret makes up a simulator's password (letters and digits) or code
// (digits, not guessable).
func simSecret(n int, digits bool) string {
	const letters = "abcdefghjkmnpqrstuvwxyz23456789"
	for {
		b := make([]byte, n)
		for i := range b {
			if digits {
				b[i] = byte('0' + rand.IntN(10))
			} else {
				b[i] = letters[rand.IntN(len(letters))]
			}
		}
		if !digits || !family.Trivial(string(b)) {
			return string(b)
		}
	}
}
