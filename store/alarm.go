package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Alarms (issue 18): an event of an alarm kind opens an alarm, or joins
// the one still open for the same panel, partition and zone. An operator
// with "handle alarms" acknowledges it with a comment; it closes once it
// is acknowledged and the device has reported the restore. Duress is a
// silent alarm of its own, first of all. An alarm nobody acknowledged in
// time is escalated by mail, once (EscalateAlarms).

// ChangeAlarm: alarms opened, joined, restored, acknowledged or escalated.
const ChangeAlarm = "alarm"

// AlarmState is where an alarm is in its handling.
type AlarmState string

// Alarm states, in the order ListAlarms shows them.
const (
	AlarmUnacknowledged AlarmState = "unacknowledged"
	// AlarmAcknowledged: acknowledged, waiting for the device's restore.
	AlarmAcknowledged AlarmState = "acknowledged"
	AlarmClosed       AlarmState = "closed"
)

// AlarmRecord is one alarm, from the event that opened it to its close.
type AlarmRecord struct {
	// ID is the number of the event that opened it.
	ID        uint64    `json:"id"`
	Panel     uint64    `json:"panel"`
	Unit      uint64    `json:"unit"`
	Partition int       `json:"partition,omitempty"`
	Zone      int       `json:"zone,omitempty"`
	Kind      EventKind `json:"kind"`
	// Silent: the console must not sound it (duress).
	Silent bool      `json:"silent,omitempty"`
	Opened time.Time `json:"opened"`
	// Events counts the events that opened and joined it; Last is when
	// the newest came, LastEvent its number.
	Events    int       `json:"events"`
	Last      time.Time `json:"last"`
	LastEvent uint64    `json:"last_event"`
	// Restored: the device reported the restore (or the alarm has none
	// to wait for: duress, a keypad panic).
	Restored   bool      `json:"restored,omitempty"`
	RestoredAt time.Time `json:"restored_at,omitzero"`
	AckedBy    string    `json:"acked_by,omitempty"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	Comment    string    `json:"comment,omitempty"`
	Escalated  time.Time `json:"escalated,omitzero"`
	Closed     time.Time `json:"closed,omitzero"`
}

// State is where the alarm is in its handling.
func (a AlarmRecord) State() AlarmState {
	switch {
	case !a.Closed.IsZero():
		return AlarmClosed
	case !a.AckedAt.IsZero():
		return AlarmAcknowledged
	}
	return AlarmUnacknowledged
}

// Open reports whether the alarm still needs an operator or its restore.
func (a AlarmRecord) Open() bool { return a.Closed.IsZero() }

// Priority orders alarms: lower first. Duress is first of all.
func (a AlarmRecord) Priority() int { return alarmPriority(a.Kind) }

func alarmPriority(k EventKind) int {
	switch k {
	case EventDuress:
		return 0
	case EventFire:
		return 1
	case EventPanic:
		return 2
	case EventAlarm:
		return 3
	case EventTamper:
		return 4
	}
	return -1 // not an alarm kind
}

// Place says where the alarm is, for lists and mails.
func (a AlarmRecord) Place() string {
	s := fmt.Sprintf("panel %d", a.Panel)
	if a.Partition != 0 {
		s += fmt.Sprintf(" partition %d", a.Partition)
	}
	if a.Zone != 0 {
		s += fmt.Sprintf(" zone %d", a.Zone)
	}
	return s
}

func alarmKey(id uint64) []byte { return k(pAlarm, u64(id)) }

// openAlarmKey indexes the open alarm of a place; duress has its own, so
// that it never joins, nor is restored with, an alarm that sounds.
func openAlarmKey(panel uint64, partition, zone int, duress bool) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(partition))
	b = binary.BigEndian.AppendUint16(b, uint16(zone))
	if duress {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return k(pIdxAlarmOpn, u64(panel), b)
}

// noRestore: an alarm no device restores (duress, a panic or fire from a
// keypad rather than a zone) is restored as it opens, so acknowledging it
// closes it.
func noRestore(e *Event) bool {
	return e.Kind == EventDuress || (e.Zone == 0 && (e.Kind == EventPanic || e.Kind == EventFire))
}

// alarm applies event e to the alarms: an alarm kind opens or joins one,
// a restore restores the open one of its place. It returns the alarm's
// number (0: the event touches none).
func (j *journal) alarm(p Panel, e *Event) (uint64, error) {
	pri := alarmPriority(e.Kind)
	if pri < 0 && e.Kind != EventRestore {
		return 0, nil
	}
	key := openAlarmKey(p.ID, e.Partition, e.Zone, e.Kind == EventDuress)
	var id uint64
	switch item, err := j.w.txn.Get(key); {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return 0, err
	default:
		v, err := item.ValueCopy(nil)
		if err != nil || len(v) != 8 {
			return 0, fmt.Errorf("open alarm index of %s: %d bytes, %v", e.Kind, len(v), err)
		}
		id = binary.BigEndian.Uint64(v)
	}
	var al *AlarmRecord
	if id != 0 {
		if al = j.alarms[id]; al == nil {
			al = new(AlarmRecord)
			if err := getJSON(j.w.txn, alarmKey(id), al); err != nil {
				return 0, fmt.Errorf("alarm %d: %w", id, err)
			}
			j.alarms[id] = al
		}
	}
	if e.Kind == EventRestore {
		if al == nil {
			return 0, nil // a zone that closed again with no alarm open
		}
		al.Restored, al.RestoredAt, al.LastEvent = true, e.Time, e.Seq
		if !al.AckedAt.IsZero() {
			al.Closed = e.Time
			j.w.del(key)
		}
		return al.ID, nil
	}
	if al == nil {
		al = &AlarmRecord{ID: e.Seq, Panel: p.ID, Unit: p.Unit, Partition: e.Partition, Zone: e.Zone, Kind: e.Kind,
			Silent: e.Kind == EventDuress, Opened: e.Time}
		j.alarms[al.ID] = al
		j.w.setRaw(key, u64(al.ID))
	}
	al.Events++
	al.Last, al.LastEvent = e.Time, e.Seq
	if alarmPriority(e.Kind) < alarmPriority(al.Kind) {
		al.Kind = e.Kind // a fire on a zone in alarm is a fire
	}
	al.Restored, al.RestoredAt = noRestore(e), time.Time{}
	if al.Restored {
		al.RestoredAt = e.Time
	}
	return al.ID, nil
}

// AlarmFilter narrows ListAlarms.
type AlarmFilter struct {
	// OpenOnly leaves out closed alarms (the history).
	OpenOnly bool
	Panel    uint64
	// Limit bounds the closed alarms listed after the open ones (0: all).
	Limit int
}

// ListAlarms lists the alarms the actor may see: the unacknowledged first
// (duress first, then by priority, oldest first), then those acknowledged
// and waiting for their restore, then, unless OpenOnly, the closed ones,
// newest first.
func (s *Store) ListAlarms(a Actor, f AlarmFilter) ([]AlarmRecord, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var open, closed []AlarmRecord
	err := s.db.View(func(txn *badger.Txn) error {
		err := scan(txn, pIdxAlarmOpn, true, func(_, v []byte) error {
			var al AlarmRecord
			if len(v) != 8 {
				return fmt.Errorf("open alarm index: %d bytes", len(v))
			}
			if err := getJSON(txn, alarmKey(binary.BigEndian.Uint64(v)), &al); err != nil {
				return err
			}
			if (f.Panel == 0 || al.Panel == f.Panel) && s.unitInScope(a, al.Unit) {
				open = append(open, al)
			}
			return nil
		})
		if err != nil || f.OpenOnly {
			return err
		}
		o := badger.DefaultIteratorOptions
		o.Reverse, o.Prefix, o.PrefetchValues = true, pAlarm, false
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Seek(append(k(pAlarm), 0xff)); it.ValidForPrefix(pAlarm); it.Next() {
			var al AlarmRecord
			if err := it.Item().Value(func(v []byte) error { return jsonUnmarshal(v, &al) }); err != nil {
				return err
			}
			if al.Open() || (f.Panel != 0 && al.Panel != f.Panel) || !s.unitInScope(a, al.Unit) {
				continue
			}
			closed = append(closed, al)
			if f.Limit > 0 && len(closed) >= f.Limit {
				break
			}
		}
		return nil
	})
	slices.SortFunc(open, func(x, y AlarmRecord) int {
		acked := func(al AlarmRecord) bool { return al.State() == AlarmAcknowledged }
		return cmp.Or(compareBool(acked(x), acked(y)),
			cmp.Compare(x.Priority(), y.Priority()), x.Opened.Compare(y.Opened), cmp.Compare(x.ID, y.ID))
	})
	return append(open, closed...), err
}

// compareBool orders false before true.
func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

// GetAlarm returns one alarm.
func (s *Store) GetAlarm(a Actor, id uint64) (AlarmRecord, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return AlarmRecord{}, err
	}
	var al AlarmRecord
	err := s.db.View(func(txn *badger.Txn) error { return s.readAlarm(txn, a, id, &al) })
	return al, err
}

func (s *Store) readAlarm(txn *badger.Txn, a Actor, id uint64, al *AlarmRecord) error {
	err := getJSON(txn, alarmKey(id), al)
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.unitInScope(a, al.Unit)) {
		return refuse(ErrNotFound, "no alarm %d in your organization units: see guardroom alarm list", id)
	}
	return err
}

// AckAlarm acknowledges an alarm with the operator's comment (required:
// what was seen, who was called). It closes the alarm if the device has
// already reported the restore; else it closes with the restore.
func (s *Store) AckAlarm(a Actor, id uint64, comment string) error {
	w := s.begin(a, "alarm.ack", fmt.Sprintf("alarm %d", id))
	return s.finish(w, func() error {
		var al AlarmRecord
		if err := getJSON(w.txn, alarmKey(id), &al); err == nil {
			w.atPanel(al.Panel, fmt.Sprintf(" alarm %d", id))
			w.panel = al.Panel
		}
		if err := a.need(PermHandleAlarms); err != nil {
			return err
		}
		if err := s.readAlarm(w.txn, a, id, &al); err != nil {
			return err
		}
		comment, err := checkText("comment", comment, true, 200)
		if err != nil {
			return err
		}
		if al.State() != AlarmUnacknowledged {
			return refuse(ErrState, "alarm %d was acknowledged by %s at %s: nothing more to do (it is %s)",
				id, al.AckedBy, al.AckedAt.Local().Format("2006-01-02 15:04:05"), al.State())
		}
		now := s.now()
		al.AckedBy, al.AckedAt, al.Comment = a.name, now, comment
		if al.Restored {
			al.Closed = now
			w.del(openAlarmKey(al.Panel, al.Partition, al.Zone, al.Kind == EventDuress))
		}
		w.set(alarmKey(id), al)
		w.changed(Change{What: ChangeAlarm, Panel: al.Panel})
		w.log(map[string]string{"state": string(AlarmUnacknowledged)},
			map[string]string{"state": string(al.State()), "kind": string(al.Kind), "comment": comment})
		return nil
	})
}

// AlarmSettings say how alarms are escalated and events kept.
type AlarmSettings struct {
	// EscalateAfter: an alarm unacknowledged this long is mailed to
	// EscalateTo, once (0: never).
	EscalateAfter time.Duration `json:"escalate_after"`
	EscalateTo    []string      `json:"escalate_to,omitempty"`
	// RetainAge and RetainCount bound the event journal (0: no bound).
	RetainAge   time.Duration `json:"retain_age"`
	RetainCount int           `json:"retain_count"`
}

func (s *Store) alarmConf() (AlarmSettings, error) {
	var c AlarmSettings
	err := s.db.View(func(txn *badger.Txn) error { return getOptional(txn, kAlarmConf, &c) })
	return c, err
}

// GetAlarmSettings returns the alarm settings.
func (s *Store) GetAlarmSettings(a Actor) (AlarmSettings, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return AlarmSettings{}, err
	}
	return s.alarmConf()
}

// SetAlarmSettings changes how alarms are escalated and events kept
// (administrators: it says who is told of an alarm nobody handled).
func (s *Store) SetAlarmSettings(a Actor, c AlarmSettings) error {
	w := s.begin(a, "alarm.settings", "alarm settings")
	return s.finish(w, func() error {
		if err := a.need(PermManageOperators); err != nil {
			return err
		}
		if c.EscalateAfter < 0 || c.RetainAge < 0 || c.RetainCount < 0 {
			return refuse(ErrInvalid, "times and counts cannot be negative: give 0 for never, or a positive value")
		}
		if c.RetainAge > 0 && c.RetainAge < time.Hour {
			return refuse(ErrInvalid, "keep events at least an hour (or give 0 to keep them all)")
		}
		if c.RetainCount > 0 && c.RetainCount < 1000 {
			return refuse(ErrInvalid, "keep at least 1000 events (or give 0 to keep them all)")
		}
		for i, e := range c.EscalateTo {
			var err error
			if c.EscalateTo[i], err = checkEmail(e); err != nil {
				return err
			}
		}
		if c.EscalateAfter > 0 && len(c.EscalateTo) == 0 {
			return refuse(ErrInvalid, "escalation needs at least one address to mail: give one, or set the time to 0")
		}
		var was AlarmSettings
		if err := getOptional(w.txn, kAlarmConf, &was); err != nil {
			return err
		}
		w.set(kAlarmConf, c)
		w.log(was.strings(), c.strings())
		return nil
	})
}

func (c AlarmSettings) strings() map[string]string {
	return map[string]string{"escalate after": c.EscalateAfter.String(), "escalate to": strings.Join(c.EscalateTo, " "),
		"retain age": c.RetainAge.String(), "retain count": fmt.Sprint(c.RetainCount)}
}

// EscalateAlarms mails every alarm still unacknowledged past the
// configured time to the configured addresses, once per alarm, through
// the outbox, and logs it. The dispatcher calls it on every round; it
// returns how many alarms it escalated.
func (s *Store) EscalateAlarms(a Actor) (int, error) {
	if err := a.needInternal(dispatchReports); err != nil {
		return 0, err
	}
	conf, err := s.alarmConf()
	if err != nil || conf.EscalateAfter == 0 || len(conf.EscalateTo) == 0 {
		return 0, err
	}
	due := func(al AlarmRecord, now time.Time) bool {
		return al.State() == AlarmUnacknowledged && al.Escalated.IsZero() && now.Sub(al.Opened) >= conf.EscalateAfter
	}
	now := s.now()
	open, err := s.ListAlarms(a, AlarmFilter{OpenOnly: true})
	if err != nil || !slices.ContainsFunc(open, func(al AlarmRecord) bool { return due(al, now) }) {
		return 0, err
	}
	n := 0
	w := s.begin(a, "alarm.escalate", "alarms")
	err = s.finish(w, func() error {
		for _, al := range open {
			if err := getJSON(w.txn, alarmKey(al.ID), &al); err != nil {
				return err
			}
			if !due(al, now) {
				continue
			}
			var p Panel
			if err := getJSON(w.txn, panelKey(al.Panel), &p); err != nil {
				return fmt.Errorf("panel %d of alarm %d: %w", al.Panel, al.ID, err)
			}
			al.Escalated = now
			w.set(alarmKey(al.ID), al)
			subject := fmt.Sprintf("guardroom: alarm %d (%s) at %s not acknowledged", al.ID, al.Kind, p.Name)
			body := fmt.Sprintf("Alarm %d (%s) at %s, %s, opened %s, has not been acknowledged for %s.\n"+
				"Acknowledge it at the console or with: guardroom alarm ack %d --comment \"...\"\n",
				al.ID, al.Kind, p.Name, al.Place(), al.Opened.Local().Format("2006-01-02 15:04:05"),
				now.Sub(al.Opened).Round(time.Second), al.ID)
			for _, to := range conf.EscalateTo {
				w.queueMail(al.Unit, Mail{To: to, Subject: subject, Body: body})
			}
			w.unit, w.panel, w.place = al.Unit, al.Panel, fmt.Sprintf("%s alarm %d", p.Label(), al.ID)
			w.log(nil, map[string]string{"kind": string(al.Kind), "mailed": strings.Join(conf.EscalateTo, " ")})
			n++
		}
		w.changed(Change{What: ChangeAlarm})
		return nil
	})
	return n, err
}
