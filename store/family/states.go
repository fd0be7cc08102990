package family

// The states a panel reports of its partitions and of its door locks,
// and the ways a partition is armed: the drivers speak these words and the
// store keeps them, so the two sides share one list and nothing converts
// between them.

// PartitionState is what a partition is doing.
type PartitionState string

// Partition states.
const (
	Disarmed  PartitionState = "disarmed"
	ArmedStay PartitionState = "armed stay"
	ArmedAway PartitionState = "armed away"
	Alarm     PartitionState = "alarm"
	Trouble   PartitionState = "trouble"
	NotReady  PartitionState = "not ready"
	// The states an alarm panel's own interface reports on the way
	// between those (DSC 656/657, Vista's partition status): arming with
	// the exit delay running, an entry delay running (someone came in and
	// must disarm before it ends), disarmed with an alarm in memory, and
	// busy (a keypad in a programming menu).
	ExitDelay   PartitionState = "exit delay"
	EntryDelay  PartitionState = "entry delay"
	AlarmMemory PartitionState = "alarm memory"
	Busy        PartitionState = "busy"
)

// PartitionStates returns every partition state.
func PartitionStates() []PartitionState {
	return []PartitionState{Disarmed, ArmedStay, ArmedAway, Alarm, Trouble, NotReady, ExitDelay, EntryDelay, AlarmMemory, Busy}
}

// LockState is what a door lock reports.
type LockState string

// Lock states.
const (
	LockLocked   LockState = "locked"
	LockUnlocked LockState = "unlocked"
	LockJammed   LockState = "jammed"
	LockUnknown  LockState = "unknown"
)

// LockStates returns every lock state.
func LockStates() []LockState {
	return []LockState{LockLocked, LockUnlocked, LockJammed, LockUnknown}
}

// ArmMode is how a partition is armed.
type ArmMode string

// Arm modes.
const (
	ArmStay ArmMode = "stay" // perimeter armed, people inside
	ArmAway ArmMode = "away" // everything armed, nobody inside
	// ArmNoEntry is away with no entry delay: an entry door sounds the
	// alarm at once (DSC 032, Vista MAXIMUM); the partition reads armed
	// away.
	ArmNoEntry ArmMode = "no entry"
)

// ArmModes returns every arm mode.
func ArmModes() []ArmMode { return []ArmMode{ArmStay, ArmAway, ArmNoEntry} }
