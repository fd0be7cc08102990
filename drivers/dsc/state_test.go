package dsc

import (
	"testing"

	"github.com/guardroom/guardroom/store/family"
)

// TestPartitionStates maps event sequences to store/family's states.
func TestPartitionStates(t *testing.T) {
	f := func(c Code, d string) Frame { return Frame{Cmd: c, Data: d} }
	tests := []struct {
		name   string
		events []Frame
		want   family.PartitionState
	}{
		{"ready", []Frame{f(RespReady, "1")}, family.Disarmed},
		{"not ready", []Frame{f(RespReady, "1"), f(RespNotReady, "1")}, family.NotReady},
		{"ready, trouble LED", []Frame{f(RespReady, "1"), f(RespTroubleOn, "1")}, family.Trouble},
		{"trouble cleared", []Frame{f(RespReady, "1"), f(RespTroubleOn, "1"), f(RespTroubleOff, "1")}, family.Disarmed},
		{"exit delay", []Frame{f(RespReady, "1"), f(RespExitDelay, "1")}, family.ExitDelay},
		{"armed stay", []Frame{f(RespExitDelay, "1"), f(RespArmed, "11")}, family.ArmedStay},
		{"armed zero-entry stay", []Frame{f(RespArmed, "13")}, family.ArmedStay},
		{"armed zero-entry away", []Frame{f(RespArmed, "12")}, family.ArmedAway},
		{"entry delay", []Frame{f(RespArmed, "11"), f(RespEntryDelay, "1")}, family.EntryDelay},
		{"alarm", []Frame{f(RespArmed, "10"), f(RespInAlarm, "1")}, family.Alarm},
		{"disarmed after alarm", []Frame{f(RespArmed, "10"), f(RespInAlarm, "1"), f(RespDisarmed, "1"), f(RespReady, "1")}, family.AlarmMemory},
		{"busy", []Frame{f(RespReady, "1"), f(RespBusy, "1")}, family.Busy},
		{"lockout", []Frame{f(RespReady, "1"), f(RespLockout, "1")}, family.NotReady},
		{"failed to arm", []Frame{f(RespReady, "1"), f(RespExitDelay, "1"), f(RespArmFailure, "1")}, family.Disarmed},
		{"other partition", []Frame{f(RespReady, "1"), f(RespInAlarm, "2")}, family.Disarmed},
		{"garbage ignored", []Frame{f(RespReady, "1"), f(RespInAlarm, "9"), f(RespArmed, ""), f(RespUserClosing, "1xx")}, family.Disarmed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStatus()
			for _, e := range tt.events {
				st.apply(e)
			}
			if got := st.part(1).State(); got != tt.want {
				t.Errorf("state = %s, want %s (%+v)", got, tt.want, *st.part(1))
			}
		})
	}
	st := newStatus()
	st.apply(f(RespDisarmed, "1"))
	st.apply(f(RespUserOpening, "10007"))
	st.apply(f(RespZoneOpen, "012"))
	st.apply(f(RespZoneTamper, "1012"))
	st.apply(f("802", ""))
	st.apply(f(RespVerboseTrouble, "02"))
	if p := st.part(1); p.LastUser != 7 || p.LastUserArmed {
		t.Errorf("after 750 user 7: %+v", *p)
	}
	if z := st.Zones[12]; !z.Open || !z.Tamper {
		t.Errorf("zone 12: %+v", z)
	}
	if !st.Troubles["802"] || st.Verbose != 2 {
		t.Errorf("troubles %v, verbose %02x", st.Troubles, st.Verbose)
	}
	st.apply(f("803", ""))
	if st.Troubles["802"] {
		t.Error("AC restore (803) did not clear the AC trouble (802)")
	}
}
