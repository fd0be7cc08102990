package store

import "sync"

// What a Change is about.
const (
	ChangeLog       = "log"
	ChangeUnit      = "unit"
	ChangePanel     = "panel"
	ChangeUser      = "user"
	ChangePartition = "partition"
	ChangeAccount   = "account"
	ChangeLock      = "lock"
	ChangeTag       = "tag"
	ChangeJob       = "job"
	// ChangeAll means too much changed to list (a restore, a bulk load, a
	// slow subscriber): reload everything.
	ChangeAll = "all"
)

// Change tells subscribers what a committed operation touched.
type Change struct {
	What    string
	Panel   uint64
	Slot    int
	Account uint64
	Log     uint64
}

// maxPending bounds what a slow subscriber accumulates before its changes
// collapse into one ChangeAll.
const maxPending = 4096

// Subscription receives a signal on C after commits; Changes drains what
// happened since the last call.
type Subscription struct {
	C <-chan struct{}

	c       chan struct{}
	mu      sync.Mutex
	pending []Change
	owner   *subscribers
}

// Changes returns and forgets the changes since the last call.
func (sub *Subscription) Changes() []Change {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	out := sub.pending
	sub.pending = nil
	return out
}

// Close stops the subscription.
func (sub *Subscription) Close() { sub.owner.remove(sub) }

type subscribers struct {
	mu   sync.Mutex
	list []*Subscription
}

// Subscribe returns a subscription to every committed change.
func (s *Store) Subscribe() *Subscription {
	c := make(chan struct{}, 1)
	sub := &Subscription{C: c, c: c, owner: &s.subs}
	s.subs.mu.Lock()
	s.subs.list = append(s.subs.list, sub)
	s.subs.mu.Unlock()
	return sub
}

func (ss *subscribers) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, sub := range ss.list {
		sub.mu.Lock()
		if len(sub.pending)+len(changes) > maxPending {
			sub.pending = []Change{{What: ChangeAll}}
		} else {
			sub.pending = append(sub.pending, changes...)
		}
		sub.mu.Unlock()
		select {
		case sub.c <- struct{}{}:
		default:
		}
	}
}

func (ss *subscribers) remove(sub *Subscription) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for i, x := range ss.list {
		if x == sub {
			ss.list = append(ss.list[:i], ss.list[i+1:]...)
			close(x.c)
			return
		}
	}
}

func (ss *subscribers) closeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, x := range ss.list {
		close(x.c)
	}
	ss.list = nil
}
