package dsc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

func partitionState(t *testing.T, d *Driver, n int) family.PartitionState {
	t.Helper()
	parts, err := d.ReadPartitions(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if p.Number == n {
			return p.State
		}
	}
	t.Fatalf("partition %d not reported: %v", n, parts)
	return ""
}

// TestArmDisarm: arm away and stay and disarm, round trip, with the
// simulator's state and the user numbers of 700/750.
func TestArmDisarm(t *testing.T) {
	for _, tt := range []struct {
		mode drivers.ArmMode
		want family.PartitionState
		dsc  ArmedMode
	}{
		{drivers.Away, family.ArmedAway, ModeAway},
		{drivers.Stay, family.ArmedStay, ModeStay},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			sim, d, _ := simDriver(t, SimOptions{ArmNeedsCode: true}, nil)
			if got := partitionState(t, d, 1); got != family.Disarmed {
				t.Fatalf("before: %s", got)
			}
			if err := d.Arm(testCtx(t), 1, tt.mode); err != nil {
				t.Fatal(err)
			}
			if v := sim.View().Partitions[0]; !v.Armed || v.Mode != tt.dsc {
				t.Errorf("simulator after Arm: %+v", v)
			}
			if got := partitionState(t, d, 1); got != tt.want {
				t.Errorf("after Arm: %s, want %s", got, tt.want)
			}
			if p := d.Status().Partitions[1]; p.LastUser != 2 || !p.LastUserArmed {
				t.Errorf("status after arming with the code of user 2: %+v", p)
			}
			if err := d.Disarm(testCtx(t), 1); err != nil {
				t.Fatal(err)
			}
			if v := sim.View().Partitions[0]; v.Armed {
				t.Errorf("simulator after Disarm: %+v", v)
			}
			if got := partitionState(t, d, 1); got != family.Disarmed {
				t.Errorf("after Disarm: %s", got)
			}
			if p := d.Status().Partitions[1]; p.LastUser != 2 || p.LastUserArmed {
				t.Errorf("status after disarming: %+v", p)
			}
			// A disarm retried after a lost answer (502 023, not armed) is done.
			if err := d.Disarm(testCtx(t), 1); err != nil {
				t.Errorf("second Disarm: %v", err)
			}
		})
	}
}

// TestExitDelay: during exit delay the partition reads "exit delay", and
// becomes armed (652) when the delay ends.
func TestExitDelay(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{ExitDelay: time.Hour}, nil)
	if err := d.Arm(testCtx(t), 1, drivers.Stay); err != nil {
		t.Fatal(err)
	}
	if got := partitionState(t, d, 1); got != family.ExitDelay {
		t.Errorf("during exit delay: %s, want exit delay", got)
	}
	if p := d.Status().Partitions[1]; !p.ExitDelay || p.Armed {
		t.Errorf("status during exit delay: %+v", p)
	}
	if v := sim.View().Partitions[0]; !v.ExitDelay {
		t.Errorf("simulator: %+v", v)
	}
	if err := d.DisarmWithCode(testCtx(t), 1, testMaster); err != nil {
		t.Fatal(err)
	}
	if got := partitionState(t, d, 1); got != family.Disarmed {
		t.Errorf("after disarming in exit delay: %s", got)
	}
}

// TestAlarm: an alarm on an armed partition reads "alarm"; the disarm
// silences it, and the partition reads "alarm memory".
func TestAlarm(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{}, nil)
	if err := d.Arm(testCtx(t), 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	if !sim.Alarm(4) {
		t.Fatal("no alarm on an armed partition")
	}
	if got := partitionState(t, d, 1); got != family.Alarm {
		t.Errorf("in alarm: %s", got)
	}
	if z := d.Status().Zones[4]; !z.Alarm {
		t.Errorf("zone 4: %+v", z)
	}
	if err := d.Disarm(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if got := partitionState(t, d, 1); got != family.AlarmMemory {
		t.Errorf("after the disarm: %s", got)
	}
	if p := d.Status().Partitions[1]; !p.AlarmMemory || p.Alarm {
		t.Errorf("status after the disarm: %+v: want the alarm in memory only", p)
	}
}

// TestArmRefusals: what the panel says no with, and the code rules.
func TestArmRefusals(t *testing.T) {
	t.Run("not ready", func(t *testing.T) {
		sim, d, _ := simDriver(t, SimOptions{}, nil)
		sim.SetZone(3, true)
		if got := partitionState(t, d, 1); got != family.NotReady {
			t.Errorf("with zone 3 open: %s", got)
		}
		if z := d.Status().Zones[3]; !z.Open {
			t.Errorf("zone 3: %+v", z)
		}
		err := d.Arm(testCtx(t), 1, drivers.Away)
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedNotReady || !strings.Contains(err.Error(), "024") {
			t.Errorf("Arm = %v: want a not-ready refusal naming 024", err)
		}
	})
	t.Run("no code to give", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{ArmNeedsCode: true}, func(c *drivers.Config) { c.ArmCode = "" })
		err := d.Arm(testCtx(t), 1, drivers.Away)
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedUnsupported || !strings.Contains(err.Error(), "arming code") {
			t.Errorf("Arm = %v: want a refusal asking for an arming code", err)
		}
		if err := d.Disarm(testCtx(t), 1); err == nil || drivers.Transient(err) {
			t.Errorf("Disarm without a code = %v: want a refusal", err)
		}
		if err := d.ArmWithCode(testCtx(t), 1, drivers.Away, testArmCode); err != nil {
			t.Errorf("ArmWithCode: %v", err)
		}
	})
	t.Run("typed code wrong", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{ArmNeedsCode: true}, nil)
		err := d.ArmWithCode(testCtx(t), 1, drivers.Away, "1111")
		if drivers.Transient(err) || drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "670") {
			t.Errorf("ArmWithCode(wrong) = %v: want a refusal naming 670", err)
		}
	})
	t.Run("stored code wrong", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{ArmNeedsCode: true}, func(c *drivers.Config) { c.ArmCode = "1111" })
		err := d.Arm(testCtx(t), 1, drivers.Away)
		if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "panel secret PANEL arm-code") {
			t.Errorf("Arm with a wrong stored code = %v: want a misconfiguration", err)
		}
	})
	t.Run("lockout", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{LockoutAfter: 2}, nil)
		for range 2 {
			if err := d.DisarmWithCode(testCtx(t), 1, "1111"); err == nil || !strings.Contains(err.Error(), "670") {
				t.Fatalf("DisarmWithCode(wrong) = %v", err)
			}
		}
		err := d.Arm(testCtx(t), 1, drivers.Away)
		if drivers.Transient(err) || !strings.Contains(err.Error(), "lockout") {
			t.Errorf("Arm in lockout = %v: want a refusal saying lockout", err)
		}
		if p := d.Status().Partitions[1]; !p.Lockout {
			t.Errorf("status: %+v, want lockout", p)
		}
	})
	t.Run("no such partition", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{}, nil)
		var r *drivers.Refusal
		if err := d.Arm(testCtx(t), 9, drivers.Away); !errors.As(err, &r) || r.Kind != drivers.RefusedPartition {
			t.Errorf("Arm(9) = %v", err)
		}
	})
}

func TestUnsupported(t *testing.T) {
	_, d, _ := simDriver(t, SimOptions{}, nil)
	ctx := testCtx(t)
	_, e1 := d.ReadUsers(ctx)
	_, e2 := d.ReadUser(ctx, 1)
	for i, err := range []error{e1, e2, d.SetLabel(ctx, 1, "x"), d.SetPartitions(ctx, 1, 1)} {
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedUnsupported || !strings.Contains(err.Error(), "keypad") {
			t.Errorf("call %d: %v: want RefusedUnsupported with a reason", i, err)
		}
	}
}

// TestArmNoEntry: arming with no entry delay sends 032; the panel arms
// away with zero entry delay (652 mode 2), which reads armed away.
func TestArmNoEntry(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{}, nil)
	if err := d.Arm(testCtx(t), 1, drivers.NoEntry); err != nil {
		t.Fatal(err)
	}
	if v := sim.View().Partitions[0]; !v.Armed || v.Mode != ModeZeroEntryAway {
		t.Errorf("simulator: %+v, want armed away with zero entry delay", v)
	}
	if got := partitionState(t, d, 1); got != family.ArmedAway {
		t.Errorf("state %s, want armed away", got)
	}
}

// TestEventsAndZones: the driver hands the dispatcher the zone states and
// the events the panel reported (drivers.EventSource), and forgets the
// events the dispatcher acknowledged.
func TestEventsAndZones(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{ArmNeedsCode: true}, nil)
	if err := d.ArmWithCode(testCtx(t), 1, drivers.Away, testMaster); err != nil {
		t.Fatal(err)
	}
	if !sim.Alarm(4) {
		t.Fatal("no alarm on an armed partition")
	}
	if got := partitionState(t, d, 1); got != family.Alarm { // the poll has read every event before it
		t.Fatalf("in alarm: %s", got)
	}
	evs, err := d.ReadEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, fmt.Sprintf("%s p%d z%d u%d", e.Kind, e.Partition, e.Zone, e.User))
	}
	if !slices.Contains(kinds, "armed p1 z0 u40") || !slices.Contains(kinds, "alarm p1 z4 u0") {
		t.Errorf("events %q: want user 40 arming partition 1 and zone 4 in alarm", kinds)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Errorf("events out of order: %+v", evs)
		}
	}
	zones, _ := d.ReadZones(testCtx(t))
	if i := slices.IndexFunc(zones, func(z drivers.ZoneStatus) bool { return z.Number == 4 }); i < 0 || zones[i].State != "alarm" {
		t.Errorf("zones %+v: want zone 4 in alarm", zones)
	}
	if err := d.AckEvents(testCtx(t), evs[len(evs)-1].Seq); err != nil {
		t.Fatal(err)
	}
	if evs, _ := d.ReadEvents(testCtx(t)); len(evs) != 0 {
		t.Errorf("after the acknowledgement: %+v", evs)
	}
}

// TestQuickArmIsAnEvent: arming with no user (030 on a panel that asks
// for no code: 701, special closing) is an "armed" event with no user.
func TestQuickArmIsAnEvent(t *testing.T) {
	_, d, _ := simDriver(t, SimOptions{}, nil)
	if err := d.Arm(testCtx(t), 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	partitionState(t, d, 1) // the poll has read every event before it
	evs, _ := d.ReadEvents(testCtx(t))
	if i := slices.IndexFunc(evs, func(e drivers.Event) bool { return e.Kind == "armed" }); i < 0 || evs[i].User != 0 || evs[i].Partition != 1 {
		t.Errorf("events %+v: want partition 1 armed by no user", evs)
	}
}
