package store

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Hand-written JSON encoders for the two records a bulk load writes per
// user besides the user itself: the log entry and the outbox job.
// encoding/json's reflection was a third of a bulk load's own CPU. The
// output is what encoding/json would write for the same struct (tests
// check that byte for byte), so readers keep using json.Unmarshal.

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does (HTML-safe escapes,
// invalid UTF-8 replaced, U+2028/U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONMap writes a string map with sorted keys, as encoding/json does.
func appendJSONMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

type jsonObj struct {
	b     []byte
	first bool
}

func (o *jsonObj) key(k string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObj) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonObj) uint(k string, v uint64, omitEmpty bool) {
	if omitEmpty && v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *jsonObj) int(k string, v int, omitEmpty bool) {
	if omitEmpty && v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
}

func (o *jsonObj) time(k string, t time.Time) {
	o.key(k)
	o.b = appendJSONTime(o.b, t)
}

func (o *jsonObj) strMap(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	o.key(k)
	o.b = appendJSONMap(o.b, m)
}

// marshalEntry encodes a log entry exactly as json.Marshal would.
func marshalEntry(e *Entry) []byte {
	o := jsonObj{b: make([]byte, 0, 512), first: true}
	o.b = append(o.b, '{')
	o.uint("seq", e.Seq, false)
	o.time("time", e.Time)
	o.str("operator", e.Operator, false)
	o.str("via", e.Via, true)
	o.uint("unit", e.Unit, true)
	o.str("place", e.Place, false)
	o.uint("panel", e.Panel, true)
	o.int("slot", e.Slot, true)
	o.str("account", e.Account, true)
	o.str("action", e.Action, false)
	o.strMap("before", e.Before)
	o.strMap("after", e.After)
	o.str("result", e.Result, false)
	o.str("prev", e.Prev, false)
	return append(o.b, '}')
}
