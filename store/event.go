package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/plain"
)

// The event journal (issue 18): what devices report, durable, time-ordered,
// append-only and hash-chained like the action log, in a journal of its
// own (docs/ARCHITECTURE.md says why). The dispatcher reports a batch in
// one transaction (ReportEvents); an event of an alarm kind opens or joins
// an alarm in that same transaction (alarm.go). Retention (PruneEvents)
// drops the oldest events only, so the chain stays whole from the first
// kept event, and stops at the first event of an alarm still open.

// ChangeEvent: events were added to the journal (or pruned from it).
const ChangeEvent = "event"

// EventKind is what a device reported.
type EventKind string

// Event kinds.
const (
	EventAlarm          EventKind = "alarm"
	EventRestore        EventKind = "restore"
	EventTrouble        EventKind = "trouble"
	EventTroubleRestore EventKind = "trouble restore"
	EventTamper         EventKind = "tamper"
	EventFire           EventKind = "fire"
	EventPanic          EventKind = "panic"
	EventDuress         EventKind = "duress"
	EventArmed          EventKind = "armed"
	EventDisarmed       EventKind = "disarmed"
	EventInvalidCode    EventKind = "invalid code"
	EventLockout        EventKind = "keypad lockout"
	EventOnline         EventKind = "device online"
	EventOffline        EventKind = "device offline"
	// EventOther is a kind the store does not know; the driver's word for
	// it is kept in the event's text.
	EventOther EventKind = "other"
)

// EventKinds lists the kinds, for filters and help.
func EventKinds() []EventKind {
	return []EventKind{EventAlarm, EventRestore, EventTrouble, EventTroubleRestore, EventTamper, EventFire, EventPanic,
		EventDuress, EventArmed, EventDisarmed, EventInvalidCode, EventLockout, EventOnline, EventOffline, EventOther}
}

// Event is one entry of the journal.
type Event struct {
	Seq uint64 `json:"seq"`
	// Time is when the store recorded it; DeviceTime when the device says
	// it happened (zero when it does not say).
	Time       time.Time `json:"time"`
	DeviceTime time.Time `json:"device_time,omitzero"`
	// DeviceSeq is the device's own number for the event, when it has one.
	DeviceSeq uint64    `json:"device_seq,omitempty"`
	Panel     uint64    `json:"panel"`
	Unit      uint64    `json:"unit"`
	Partition int       `json:"partition,omitempty"`
	Zone      int       `json:"zone,omitempty"`
	User      int       `json:"user,omitempty"` // armed/disarmed by user N
	Kind      EventKind `json:"kind"`
	// Text is the device's own words, made visible (plain.Visible).
	Text string `json:"text,omitempty"`
	// Alarm is the alarm the event opened, joined or restored.
	Alarm uint64 `json:"alarm,omitempty"`
	// Prev is the SHA-256 (hex) of the previous event's stored bytes.
	Prev string `json:"prev"`
}

// EventReport is one event as a driver hands it to the dispatcher.
type EventReport struct {
	Kind       EventKind
	Partition  int
	Zone       int
	User       int
	DeviceSeq  uint64
	DeviceTime time.Time
	Text       string
}

func eventKey(seq uint64) []byte { return k(pEvent, u64(seq)) }

// chainMark is a point of the journal's chain: the head (the last event
// and its hash) or the base (the first kept event and the hash it links
// to; 1 and zeros until retention drops anything).
type chainMark struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

var zeroHash = hex.EncodeToString(make([]byte, 32))

func readMark(txn *badger.Txn, key []byte, seq uint64) (chainMark, error) {
	m := chainMark{Seq: seq, Hash: zeroHash}
	return m, getOptional(txn, key, &m)
}

// journal appends events within one write operation.
type journal struct {
	w    *wtx
	head chainMark
	// alarms caches the alarms this operation touched.
	alarms map[uint64]*AlarmRecord
}

func (w *wtx) journal() (*journal, error) {
	head, err := readMark(w.txn, kEventHead, 0)
	if err != nil {
		return nil, fmt.Errorf("read the event journal's head: %w", err)
	}
	return &journal{w: w, head: head, alarms: map[uint64]*AlarmRecord{}}, nil
}

// add appends one event of panel p, opening, joining or restoring an
// alarm as its kind says.
func (j *journal) add(p Panel, r EventReport) error {
	e := Event{
		Seq: j.head.Seq + 1, Time: j.w.s.now().UTC(), DeviceSeq: r.DeviceSeq, Panel: p.ID, Unit: p.Unit,
		Partition: r.Partition, Zone: r.Zone, User: r.User, Kind: knownEventKind(r.Kind), Text: plain.Visible(r.Text),
		Prev: j.head.Hash,
	}
	if !r.DeviceTime.IsZero() {
		e.DeviceTime = r.DeviceTime.UTC()
	}
	if e.Kind == EventOther && e.Text == "" {
		e.Text = plain.Visible(string(r.Kind))
	}
	id, err := j.alarm(p, &e)
	if err != nil {
		return err
	}
	e.Alarm = id
	b, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	if j.w.setRaw(eventKey(e.Seq), b); j.w.err != nil {
		return j.w.err
	}
	sum := sha256.Sum256(b)
	j.head = chainMark{Seq: e.Seq, Hash: hex.EncodeToString(sum[:])}
	return nil
}

// close writes the head and the alarms touched.
func (j *journal) close() {
	for _, a := range j.alarms {
		j.w.set(alarmKey(a.ID), a)
	}
	j.w.set(kEventHead, j.head)
	j.w.changed(Change{What: ChangeEvent})
	if len(j.alarms) > 0 {
		j.w.changed(Change{What: ChangeAlarm})
	}
}

func knownEventKind(k EventKind) EventKind {
	for _, x := range EventKinds() {
		if x == k {
			return k
		}
	}
	return EventOther
}

// journalConnection puts a device's going on or off line in the journal
// (ReportConnection: the same transaction as its log entry).
func (w *wtx) journalConnection(p Panel, r ConnectionReport) error {
	j, err := w.journal()
	if err != nil {
		return err
	}
	e := EventReport{Kind: EventOffline, Text: r.Err}
	if r.Online {
		e = EventReport{Kind: EventOnline}
	}
	if err := j.add(p, e); err != nil {
		return err
	}
	j.close()
	return nil
}

// ReportEvents appends a batch of events a panel reported, in one
// transaction: all of them are in the journal, with the alarms they open,
// or none.
func (s *Store) ReportEvents(a Actor, panel uint64, got []EventReport) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	if len(got) == 0 {
		return nil
	}
	w := s.begin(a, "event.report", fmt.Sprintf("panel %d", panel))
	return s.finish(w, func() error {
		var p Panel
		if err := getJSON(w.txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		j, err := w.journal()
		if err != nil {
			return err
		}
		for _, r := range got {
			if err := j.add(p, r); err != nil {
				return err
			}
		}
		j.close()
		return nil
	})
}

// EventFilter narrows an event listing. Zero fields match everything.
type EventFilter struct {
	Panel     uint64
	Partition int
	Zone      int
	Kind      EventKind
	Since     time.Time
	Until     time.Time
	// Before lists events older than this sequence number (paging back);
	// After lists events newer than it, oldest first (following the feed).
	Before, After uint64
	Limit         int
}

func (f EventFilter) match(e *Event) bool {
	return (f.Panel == 0 || e.Panel == f.Panel) &&
		(f.Partition == 0 || e.Partition == f.Partition) &&
		(f.Zone == 0 || e.Zone == f.Zone) &&
		(f.Kind == "" || e.Kind == f.Kind) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until))
}

// ListEvents returns the matching events the actor may see (of panels in
// their organization units): newest first, or with After oldest first.
func (s *Store) ListEvents(a Actor, f EventFilter) ([]Event, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Event
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.PrefetchValues = false
		o.Prefix = pEvent
		o.Reverse = f.After == 0
		it := txn.NewIterator(o)
		defer it.Close()
		start := eventKey(f.After + 1)
		if o.Reverse {
			start = append(bytes.Clone(pEvent), 0xff)
			if f.Before > 0 {
				start = eventKey(f.Before - 1)
			}
		}
		for it.Seek(start); it.ValidForPrefix(pEvent); it.Next() {
			var e Event
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
				return fmt.Errorf("event %x: %w", it.Item().Key(), err)
			}
			if o.Reverse && !f.Since.IsZero() && e.Time.Before(f.Since) {
				break
			}
			if !f.match(&e) || !s.unitInScope(a, e.Unit) {
				continue
			}
			out = append(out, e)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// EventVerify is the outcome of walking the journal's chain.
type EventVerify struct {
	// First and Last are the kept events' numbers (First is past the
	// events retention dropped).
	First, Last uint64
	// BrokenAt is the first event whose link does not hold; Problem says
	// how. Both are empty when the chain is whole.
	BrokenAt uint64
	Problem  string
}

// OK reports whether the chain held.
func (r EventVerify) OK() bool { return r.Problem == "" }

func (r EventVerify) String() string {
	switch {
	case !r.OK():
		return fmt.Sprintf("event journal broken at event %d: %s", r.BrokenAt, r.Problem)
	case r.Last == 0 || r.Last < r.First:
		return "event journal verified: no events kept, chain intact"
	}
	return fmt.Sprintf("event journal verified: events %d-%d, chain intact", r.First, r.Last)
}

// VerifyEvents walks the journal's chain from the first kept event to the
// recorded head and reports the first broken link. Like VerifyLog it
// ignores scope: the chain is only checkable whole.
func (s *Store) VerifyEvents(a Actor) (EventVerify, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return EventVerify{}, err
	}
	var res EventVerify
	err := s.db.View(func(txn *badger.Txn) error {
		head, err := readMark(txn, kEventHead, 0)
		if err != nil {
			return err
		}
		base, err := readMark(txn, kEventBase, 1)
		if err != nil {
			return err
		}
		res = EventVerify{First: base.Seq, Last: head.Seq}
		want, prev := base.Seq, base.Hash
		fail := func(at uint64, format string, args ...any) error {
			res.BrokenAt, res.Problem = at, fmt.Sprintf(format, args...)
			return errStopScan
		}
		err = scan(txn, pEvent, true, func(key, v []byte) error {
			seq := binary.BigEndian.Uint64(key[len(pEvent):])
			if seq < base.Seq {
				return fail(seq, "event %d is older than the first kept event %d: it was added afterwards", seq, base.Seq)
			}
			if seq != want {
				return fail(want, "event %d is missing (next stored event is %d)", want, seq)
			}
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fail(seq, "event cannot be read: %v", err)
			}
			if e.Seq != seq {
				return fail(seq, "event says it is number %d", e.Seq)
			}
			if e.Prev != prev {
				return fail(seq, "link to event %d does not match: event %d was altered or replaced", seq-1, seq-1)
			}
			sum := sha256.Sum256(v)
			prev = hex.EncodeToString(sum[:])
			want++
			return nil
		})
		switch {
		case errors.Is(err, errStopScan):
			return nil
		case err != nil:
			return err
		case want-1 > head.Seq:
			fail(head.Seq+1, "the journal holds events up to %d but only %d were written: event %d was added afterwards", want-1, head.Seq, head.Seq+1)
		case want-1 < head.Seq:
			fail(want, "the journal ends at event %d but %d were written: events were removed", want-1, head.Seq)
		case head.Seq >= base.Seq && prev != head.Hash:
			fail(head.Seq, "event %d does not match the recorded head: it was altered", head.Seq)
		}
		return nil
	})
	return res, err
}

var errStopScan = errors.New("stop scanning")

// pruneBatch bounds the events one PruneEvents call drops, to keep its
// transaction small; the dispatcher calls again while it drops a full one.
const pruneBatch = 5000

// PruneEvents drops the oldest events past the retention the alarm
// settings give (age, count; zero keeps them), at most pruneBatch a call,
// and returns how many it dropped. It never drops an event of an alarm
// still open (unacknowledged, or waiting for its restore), nor any event
// after it: the chain stays whole from the first kept event. What it
// dropped, and the hash the kept chain now starts from, are in the action
// log.
func (s *Store) PruneEvents(a Actor) (int, error) {
	if err := a.needInternal(dispatchReports); err != nil {
		return 0, err
	}
	conf, err := s.alarmConf()
	if err != nil || (conf.RetainAge == 0 && conf.RetainCount == 0) {
		return 0, err
	}
	n := 0
	w := s.begin(a, "events.prune", "event journal")
	err = s.finish(w, func() error {
		head, err := readMark(w.txn, kEventHead, 0)
		if err != nil {
			return err
		}
		base, err := readMark(w.txn, kEventBase, 1)
		if err != nil {
			return err
		}
		cutoff := time.Time{}
		if conf.RetainAge > 0 {
			cutoff = s.now().Add(-conf.RetainAge)
		}
		open := map[uint64]bool{}
		for seq := base.Seq; seq <= head.Seq && n < pruneBatch; seq++ {
			kept := head.Seq - seq + 1
			var e Event
			item, err := w.txn.Get(eventKey(seq))
			if err != nil {
				return fmt.Errorf("event %d: %w", seq, err)
			}
			var raw []byte
			if raw, err = item.ValueCopy(nil); err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("event %d: %w", seq, err)
			}
			old := (conf.RetainCount > 0 && kept > uint64(conf.RetainCount)) || (!cutoff.IsZero() && e.Time.Before(cutoff))
			if !old {
				break
			}
			if e.Alarm != 0 {
				isOpen, seen := open[e.Alarm]
				if !seen {
					var al AlarmRecord
					if err := getJSON(w.txn, alarmKey(e.Alarm), &al); err != nil {
						return fmt.Errorf("alarm %d of event %d: %w", e.Alarm, seq, err)
					}
					isOpen = al.Open()
					open[e.Alarm] = isOpen
				}
				if isOpen {
					break
				}
			}
			w.del(eventKey(seq))
			sum := sha256.Sum256(raw)
			base = chainMark{Seq: seq + 1, Hash: hex.EncodeToString(sum[:])}
			n++
		}
		if n == 0 {
			return errNothing
		}
		w.set(kEventBase, base)
		w.changed(Change{What: ChangeEvent})
		w.log(nil, map[string]string{"dropped": strconv.Itoa(n), "first": strconv.FormatUint(base.Seq, 10), "links to": base.Hash})
		return nil
	})
	if errors.Is(err, errNothing) {
		return 0, nil
	}
	return n, err
}

// errNothing ends an operation that found nothing to do: nothing is
// written, nor logged.
var errNothing = errors.New("nothing to do")
