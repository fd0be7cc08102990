package tagid

import "testing"

// benchMix is what a CSV import column of tag IDs holds: mostly facility:card
// shorthand and hex UIDs in their several spellings, some frames copied from
// a reader, a named format, and the odd mistake.
var benchMix = []string{
	"90:324", "123:4567", "0019:04521", "255:65535", "1000:2000",
	"04A1B2C3D4E5F6", "04:a1:b2:c3", "0x04A1B2C3D4E5F6", "04 A1 B2 C3 D4 E5 F6",
	"00101101000000001010001000", "w26:0xB40288", "H10304:1:65536", "H10302:12345678",
	"90:32A", "00111101000000001010001000",
}

// BenchmarkParse parses one input of benchMix per op, cycling through it. The
// CSV import of 50,000 tags (issue 5) has 5 s in all; 50,000 ops of this are
// its share.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = Parse(benchMix[i])
		if i++; i == len(benchMix) {
			i = 0
		}
	}
}

// BenchmarkString is the cost of the canonical key of each parsed ID of the
// mix, which the import computes once per row for its duplicate check.
func BenchmarkString(b *testing.B) {
	var ids []ID
	for _, s := range benchMix {
		if id, err := Parse(s); err == nil {
			ids = append(ids, id)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = ids[i].String()
		if i++; i == len(ids) {
			i = 0
		}
	}
}
