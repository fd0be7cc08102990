// Package simhost serves, inside this process, the simulated devices that
// panels reach at an in-process address (drivers.Dial's "inproc:NAME"):
// the demo site's DSC PowerSeries and Vista behind Envisalinks. The process that
// runs the dispatcher starts them, so the real drivers program and arm
// them through the protocol, as they would a panel on the network.
package simhost

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/dsc"
	"github.com/guardroom/guardroom/drivers/vista"
	"github.com/guardroom/guardroom/store"
)

var started = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

// Start serves a simulator for every panel of s that is reached at an
// in-process address through a driver with a simulator here, configured
// from the panel: its family's slots and partitions, its code length, and
// the password and master code the store keeps for it. Each serves until
// the process ends; a panel started before is left as it is.
func Start(s *store.Store) error {
	sys := s.Internal("simulators")
	panels, err := s.ListPanels(sys)
	if err != nil {
		return err
	}
	started.Lock()
	defer started.Unlock()
	for _, p := range panels {
		name, ok := strings.CutPrefix(p.Address, drivers.InProcessScheme)
		if !ok || started.names[name] {
			continue
		}
		serve, err := simulator(s, sys, p)
		if err != nil {
			return err
		}
		if serve == nil {
			continue
		}
		l, err := drivers.ListenInProcess(name)
		if err != nil {
			return err
		}
		started.names[name] = true
		go serve(l)
	}
	return nil
}

// simulator returns what serves panel p's simulated device, or nil when
// its driver has no simulator here.
func simulator(s *store.Store, sys store.Actor, p store.Panel) (func(net.Listener), error) {
	switch p.Driver {
	case "envisalink-dsc":
		ps, err := secrets(s, sys, p)
		if err != nil {
			return nil, err
		}
		sim := dsc.NewSimulator(dsc.SimOptions{Password: ps.Password, MasterCode: ps.MasterCode, CodeLength: p.CodeLength,
			Slots: p.Slots, Partitions: p.Partitions(), ExitDelay: 10 * time.Second, KeyDelay: 5 * time.Millisecond})
		return func(l net.Listener) { sim.Serve(l) }, nil
	case "envisalink-vista":
		ps, err := secrets(s, sys, p)
		if err != nil {
			return nil, err
		}
		sim := vista.NewSimulator(vista.SimOptions{Password: ps.Password, MasterCode: ps.MasterCode, Slots: p.Slots, Partitions: p.Partitions(),
			ExitDelay: 10 * time.Second, KeyDelay: 5 * time.Millisecond, KeypadEvery: 10 * time.Second})
		return func(l net.Listener) { sim.Serve(l) }, nil
	}
	return nil, nil
}

// secrets are the password and master code a simulated Envisalink takes
// from the panel it stands for.
func secrets(s *store.Store, sys store.Actor, p store.Panel) (store.PanelSecrets, error) {
	ps, err := s.PanelSecrets(sys, p.ID)
	if err != nil {
		return ps, err
	}
	if ps.Password == "" || ps.MasterCode == "" {
		return ps, fmt.Errorf("the simulated Envisalink of %s needs the panel's password and master code: guardroom panel secret", p.Label())
	}
	return ps, nil
}
