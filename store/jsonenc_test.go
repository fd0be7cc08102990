package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

var jsonSamples = []string{"", "plain", `quote " and \ back`, "<script>&amp;</script>", "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f\x7f",
	"Åse Øvregård 東京 😀", "bad \xff\xfe utf8", "line\u2028sep\u2029para", "é\u0301"}

func randomString(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		return jsonSamples[rng.IntN(len(jsonSamples))]
	}
	b := make([]byte, rng.IntN(24))
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return string(b)
}

func randomMap(rng *rand.Rand) map[string]string {
	if rng.IntN(3) == 0 {
		return nil
	}
	m := map[string]string{}
	for range rng.IntN(5) {
		m[randomString(rng)] = randomString(rng)
	}
	return m
}

// The hand-written encoders must write what encoding/json writes, byte for
// byte: the log chain hashes the stored bytes, and readers use Unmarshal.
func TestMarshalEntryMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for i := range 3000 {
		e := Entry{
			Seq: rng.Uint64N(1 << 40), Time: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC(),
			Operator: randomString(rng), Via: randomString(rng), Unit: rng.Uint64N(3), Place: randomString(rng),
			Panel: rng.Uint64N(3), Slot: rng.IntN(3), Account: randomString(rng), Action: randomString(rng),
			Before: randomMap(rng), After: randomMap(rng), Result: randomString(rng), Prev: randomString(rng),
		}
		if i%7 == 0 {
			e.Time = time.Date(2026, 5, 13, 16, 24, 55, 0, time.FixedZone("X", 3600))
		}
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := marshalEntry(&e); !bytes.Equal(got, want) {
			t.Fatalf("entry %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}
