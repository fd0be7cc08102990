package drivers

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Factory opens a device with a driver.
type Factory func(cfg Config) (Panel, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a driver available under name. Drivers call it from init.
// It panics if name is empty, f is nil or name is already registered: those
// are programming errors.
func Register(name string, f Factory) {
	if name == "" || f == nil {
		panic("drivers: Register needs a name and a factory")
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("drivers: driver " + name + " registered twice")
	}
	registry[name] = f
}

// Open opens a device with the driver registered under name.
func Open(name string, cfg Config) (Panel, error) {
	regMu.RLock()
	f, ok := registry[name]
	regMu.RUnlock()
	if !ok {
		names := Names()
		known := "none (import a driver package such as drivers/sim)"
		if len(names) > 0 {
			known = strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("no device driver named %q: use one of %s", name, known)
	}
	p, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s driver: %w", name, err)
	}
	return p, nil
}

// Names returns the registered driver names, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
