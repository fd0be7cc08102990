package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
)

// guardroom sim serves a panel the modbus driver can talk to, on loopback,
// until its context ends. "DSC" names the line: its largest panel, a PC1864.
func TestSimServesModbus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"sim", "--listen", "127.0.0.1:0", "--family", "DSC", "--unit", "17"}, strings.NewReader(""), w, io.Discard)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no banner: %v (%q)", err, line)
	}
	go io.Copy(io.Discard, out)
	_, rest, ok := strings.Cut(line, " on ")
	addr, _, _ := strings.Cut(rest, ";")
	if !ok || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("banner %q names no loopback address", line)
	}
	p, err := drivers.Open("modbus", drivers.Config{Address: "tcp://" + addr, Family: "dsc-pc1864", Options: map[string]string{"unit": "17", "timeout": "2s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	id, err := p.Identify(ctx)
	if err != nil || id.Slots != 95 || id.MapVersion != modbus.MapVersion {
		t.Fatalf("identify: %+v %v", id, err)
	}
	if err := p.SetCode(ctx, drivers.User{Slot: 7, Role: "User", Partitions: 1}, "4826"); err != nil {
		t.Fatalf("set code through the simulator: %v", err)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("sim exited %d after ctrl+c", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop when its context ended")
	}
}

func TestSimRefusesBadFlags(t *testing.T) {
	if r := runArgs("", "sim", "--family", "acme-9000"); r.code != 2 || !strings.Contains(r.stderr, "not a panel family") {
		t.Errorf("unknown family: %s", r)
	}
	if r := runArgs("", "sim", "--unit", "300"); r.code != 2 {
		t.Errorf("unit 300: %s", r)
	}
}

// guardroom sim --protocol envisalink-dsc|envisalink-vista serves a panel
// behind a simulated Envisalink that the real driver logs in to with the
// password the banner gives, and arms and disarms with its master code.
func TestSimServesEnvisalinks(t *testing.T) {
	for _, c := range []struct{ protocol, family string }{{"envisalink-dsc", "dsc-pc1832"}, {"envisalink-vista", "vista-20p"}} {
		t.Run(c.protocol, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out, w := io.Pipe()
			code := make(chan int, 1)
			go func() {
				code <- run(ctx, []string{"sim", "--protocol", c.protocol, "--listen", "127.0.0.1:0"}, strings.NewReader(""), w, io.Discard)
				w.Close()
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatalf("no banner: %v (%q)", err, line)
			}
			go io.Copy(io.Discard, out)
			var addr, password, master string
			if _, err := fmt.Sscanf(line[strings.Index(line, " on ")+4:], "%s password %s master code %s", &addr, &password, &master); err != nil {
				t.Fatalf("banner %q: %v", line, err)
			}
			addr, password = strings.TrimSuffix(addr, ";"), strings.TrimSuffix(password, ",")
			if !strings.HasPrefix(addr, "127.0.0.1:") || len(password) != 8 || len(master) != 4 {
				t.Fatalf("banner %q: address %q, password of %d, master code of %d", line, addr, len(password), len(master))
			}
			p, err := drivers.Open(c.protocol, drivers.Config{Address: addr, Family: c.family, Password: password, MasterCode: master, ArmCode: master})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			actx, acancel := context.WithTimeout(ctx, 30*time.Second)
			defer acancel()
			if err := p.Arm(actx, 1, drivers.Stay); err != nil {
				t.Fatalf("arm through the simulated Envisalink: %v", err)
			}
			if err := p.Disarm(actx, 1); err != nil {
				t.Fatalf("disarm: %v", err)
			}
			cancel()
			select {
			case c := <-code:
				if c != 0 {
					t.Fatalf("sim exited %d after ctrl+c", c)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("sim did not stop when its context ended")
			}
		})
	}
}
