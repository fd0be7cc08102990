package store

// The access engine's snapshot: beside each person's JSON record the store
// keeps, in the same transaction, the fields the engine reads in a compact
// binary record (engine/person/<id>). A process that starts cold builds
// its engine from these records without decoding any person's JSON.
//
// A record is trusted only when it is whole (its checksum holds) and
// current: it carries a hash of the JSON record it was made from, checked
// against the JSON record read beside it. A person whose record is
// missing, stale (written by a guardroom before these records, or after
// a restore of an older one) or damaged is decoded from JSON, and the
// record is written again after the build.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// engineRecordVersion is the first byte of every engine record; a record
// of another version is rebuilt.
const engineRecordVersion = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// jsonHash is what an engine record says of the JSON record it was made
// from: two CRC-32s of it (both computed in hardware), 64 bits in all.
func jsonHash(b []byte) uint64 {
	return uint64(crc32.Checksum(b, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(b))
}

// engineRecord returns the part of a person the engine reads.
func engineRecord(r *personRecord) enginePersonRecord {
	e := enginePersonRecord{
		ID: r.ID, Name: r.Name, Unit: r.Unit, Active: r.Active, OfflineAccess: r.OfflineAccess,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Levels: r.Levels, Groups: r.Groups,
		MultiFactor: r.MultiFactor, Locks: r.Locks,
	}
	e.Idents = make([]engineIdent, len(r.Idents))
	for i, id := range r.Idents {
		e.Idents[i] = engineIdent{Kind: id.Kind, Value: id.Value, Hash: id.Hash}
	}
	return e
}

// encodeEngineRecord writes r in binary after the hash of its JSON record.
func encodeEngineRecord(r *enginePersonRecord, hash uint64) []byte {
	b := make([]byte, 0, 64+len(r.Name)+16*len(r.Idents))
	b = append(b, engineRecordVersion)
	b = binary.BigEndian.AppendUint64(b, hash)
	b = binary.AppendUvarint(b, r.ID)
	b = appendBytes(b, []byte(r.Name))
	b = binary.AppendUvarint(b, r.Unit)
	var flags byte
	if r.Active {
		flags |= 1
	}
	if r.OfflineAccess {
		flags |= 2
	}
	if r.MultiFactor != nil {
		flags |= 4
		if r.MultiFactor.Ordered {
			flags |= 8
		}
	}
	b = append(b, flags)
	b = appendTime(b, r.ValidFrom)
	b = appendTime(b, r.ValidUntil)
	b = appendU32s(b, r.Levels)
	b = appendU32s(b, r.Groups)
	b = binary.AppendUvarint(b, uint64(len(r.Locks)))
	for _, l := range r.Locks {
		b = binary.AppendVarint(b, int64(l))
	}
	if mf := r.MultiFactor; mf != nil {
		b = binary.AppendUvarint(b, uint64(len(mf.Kinds)))
		for _, k := range mf.Kinds {
			b = append(b, byte(k))
		}
		b = binary.AppendVarint(b, int64(mf.Window))
	}
	b = binary.AppendUvarint(b, uint64(len(r.Idents)))
	for _, id := range r.Idents {
		b = append(b, byte(id.Kind))
		if id.Kind == access.KindAccessCode {
			b = appendBytes(b, id.Hash)
		} else {
			b = appendBytes(b, []byte(id.Value))
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendU32s(b []byte, v []uint32) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, x := range v {
		b = binary.AppendUvarint(b, uint64(x))
	}
	return b
}

// errEngineRecord is a record that cannot be read back: damaged, cut, or
// of another version. It is rebuilt from JSON, never used.
var errEngineRecord = errors.New("damaged engine record")

// decodeEngineRecord reads a record written by encodeEngineRecord and the
// JSON hash it carries.
func decodeEngineRecord(b []byte) (enginePersonRecord, uint64, error) {
	var r enginePersonRecord
	if len(b) < 1+8+4 || b[0] != engineRecordVersion {
		return r, 0, errEngineRecord
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return r, 0, errEngineRecord
	}
	hash := binary.BigEndian.Uint64(body[1:9])
	d := recordReader{b: body[9:]}
	r.ID = d.uvarint()
	r.Name = string(d.bytes())
	r.Unit = d.uvarint()
	flags := d.byte()
	r.Active, r.OfflineAccess = flags&1 != 0, flags&2 != 0
	r.ValidFrom = d.time()
	r.ValidUntil = d.time()
	r.Levels = d.u32s()
	r.Groups = d.u32s()
	if n := d.count(); n > 0 {
		r.Locks = make([]int, n)
		for i := range r.Locks {
			r.Locks[i] = int(d.varint())
		}
	}
	if flags&4 != 0 {
		mf := &access.MultiFactor{Ordered: flags&8 != 0}
		mf.Kinds = make([]access.Kind, d.count())
		for i := range mf.Kinds {
			mf.Kinds[i] = access.Kind(d.byte())
		}
		mf.Window = time.Duration(d.varint())
		r.MultiFactor = mf
	}
	r.Idents = make([]engineIdent, d.count())
	for i := range r.Idents {
		id := &r.Idents[i]
		id.Kind = access.Kind(d.byte())
		if v := d.bytes(); id.Kind == access.KindAccessCode {
			id.Hash = bytes.Clone(v)
		} else {
			id.Value = string(v)
		}
	}
	if d.bad || len(d.b) != 0 {
		return enginePersonRecord{}, 0, errEngineRecord
	}
	return r, hash, nil
}

// recordReader reads an engine record; a read past its end sets bad.
type recordReader struct {
	b   []byte
	bad bool
}

func (d *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *recordReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in what is left of the record.
func (d *recordReader) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return 0
	}
	return int(n)
}

func (d *recordReader) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *recordReader) bytes() []byte {
	n := d.count()
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *recordReader) time() time.Time {
	if d.byte() == 0 {
		return time.Time{}
	}
	sec := d.varint()
	ns := d.uvarint()
	if ns >= 1e9 {
		d.bad = true
	}
	return time.Unix(sec, int64(ns))
}

func (d *recordReader) u32s() []uint32 {
	n := d.count()
	if n == 0 {
		return nil
	}
	v := make([]uint32, n)
	for i := range v {
		x := d.uvarint()
		if x > 1<<32-1 {
			d.bad = true
		}
		v[i] = uint32(x)
	}
	return v
}

// writePerson writes a person's JSON record and, in the same transaction,
// their engine record, and keeps the edit for the live engine.
func (w *wtx) writePerson(r personRecord) {
	b, err := json.Marshal(r)
	if err != nil {
		w.err = errors.Join(w.err, err)
		return
	}
	rec := engineRecord(&r)
	w.setRaw(personKey(r.ID), b)
	w.setRaw(enginePersonKey(r.ID), encodeEngineRecord(&rec, jsonHash(b)))
	w.changed(Change{What: ChangePerson})
	w.people = append(w.people, personEdit{id: r.ID, rec: &rec})
}

// deletePerson deletes a person's records.
func (w *wtx) deletePerson(id uint64) {
	w.del(personKey(id))
	w.del(enginePersonKey(id))
	w.changed(Change{What: ChangePerson})
	w.people = append(w.people, personEdit{id: id})
}

// personEdit is a person written (rec) or deleted (rec nil) by a
// transaction, for the live engine once it commits.
type personEdit struct {
	id  uint64
	rec *enginePersonRecord
}

// scanEnginePeople calls fn with every person as the engine reads them, in
// ID order: from their engine record when it is whole and matches their
// JSON record, else decoded from JSON. It returns the engine records to
// write again (stale, damaged or missing) and those to delete (left by a
// person no longer there).
func scanEnginePeople(txn *badger.Txn, fn func(r *enginePersonRecord)) (redo map[uint64][]byte, orphans [][]byte, err error) {
	o := badger.DefaultIteratorOptions
	o.PrefetchValues = false
	o.Prefix = pEnginePerson
	bin := txn.NewIterator(o)
	defer bin.Close()
	bin.Seek(pEnginePerson)
	binID := func() (uint64, bool) {
		if !bin.ValidForPrefix(pEnginePerson) {
			return 0, false
		}
		k := bin.Item().Key()
		if len(k) != len(pEnginePerson)+8 {
			return 0, true // not a record key: stands before any ID
		}
		return binary.BigEndian.Uint64(k[len(pEnginePerson):]), true
	}
	redo = map[uint64][]byte{}
	err = scan(txn, pPerson, true, func(key, val []byte) error {
		id := binary.BigEndian.Uint64(key[len(pPerson):])
		for b, ok := binID(); ok && b < id; b, ok = binID() {
			orphans = append(orphans, bin.Item().KeyCopy(nil))
			bin.Next()
		}
		h := jsonHash(val)
		if b, ok := binID(); ok && b == id {
			var rec enginePersonRecord
			var got uint64
			err := bin.Item().Value(func(v []byte) error {
				var err error
				rec, got, err = decodeEngineRecord(v)
				return err
			})
			bin.Next()
			if err == nil && got == h && rec.ID == id {
				fn(&rec)
				return nil
			}
		}
		// Only the fields the engine reads are decoded (enginePersonRecord
		// names them as the JSON record does).
		var rec enginePersonRecord
		if err := jsonUnmarshal(val, &rec); err != nil {
			return err
		}
		redo[id] = encodeEngineRecord(&rec, h)
		fn(&rec)
		return nil
	})
	for _, ok := binID(); ok; _, ok = binID() {
		orphans = append(orphans, bin.Item().KeyCopy(nil))
		bin.Next()
	}
	return redo, orphans, err
}

// rewriteEngineRecords writes the engine records a build found missing,
// stale or damaged, and deletes those of people gone. They are derived
// data: a record written here that a commit has since made stale is
// found stale again by the next build.
func (s *Store) rewriteEngineRecords(redo map[uint64][]byte, orphans [][]byte) error {
	if len(redo) == 0 && len(orphans) == 0 {
		return nil
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for id, b := range redo {
		if err := wb.Set(enginePersonKey(id), b); err != nil {
			return err
		}
	}
	for _, k := range orphans {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}
