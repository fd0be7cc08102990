package simhost

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
)

func TestStartServesThePanelsSimulators(t *testing.T) {
	s, err := store.Open(store.Config{InMemory: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sys := s.Internal("test")
	p, err := s.AddPanel(sys, store.NewPanel{Name: "Boat house", Unit: store.RootUnit, Family: "dsc-pc1832", IMEI: "490154203237518",
		Driver: "envisalink-dsc", Address: "inproc:simhost-test-dsc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Start(s); err == nil || !strings.Contains(err.Error(), "needs the panel's password and master code") {
		t.Fatalf("a simulator with no password: %v", err)
	}
	for k, v := range map[store.SecretKind]string{store.SecretPassword: "pw7Qx2kk", store.SecretMasterCode: "9731"} {
		if err := s.SetPanelSecret(sys, p.ID, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := Start(s); err != nil {
		t.Fatal(err)
	}
	if err := Start(s); err != nil { // started already: left as it is
		t.Fatalf("second Start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := drivers.Dial(ctx, p.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "5053") {
		t.Errorf("the simulated Envisalink's first words: %q, %v; want its login request (5053)", line, err)
	}
}
