package store

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// PartitionSet is a set of partition numbers 1..64; bit n-1 is partition n.
type PartitionSet uint64

// AllPartitions is the set 1..n.
func AllPartitions(n int) PartitionSet {
	if n >= 64 {
		return ^PartitionSet(0)
	}
	return PartitionSet(1)<<n - 1
}

// Has reports whether partition n is in the set.
func (p PartitionSet) Has(n int) bool { return n >= 1 && n <= 64 && p&(1<<(n-1)) != 0 }

// With returns the set plus partition n.
func (p PartitionSet) With(n int) PartitionSet { return p | 1<<(n-1) }

// Highest is the largest partition number in the set (0 when empty).
func (p PartitionSet) Highest() int { return 64 - bits.LeadingZeros64(uint64(p)) }

// List returns the numbers in ascending order.
func (p PartitionSet) List() []int {
	var out []int
	for n := 1; n <= 64; n++ {
		if p.Has(n) {
			out = append(out, n)
		}
	}
	return out
}

// String is "1, 4, 6", or "-" for none.
func (p PartitionSet) String() string {
	if p == 0 {
		return "-"
	}
	l := p.List()
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// MarshalJSON writes the set as a list of numbers.
func (p PartitionSet) MarshalJSON() ([]byte, error) {
	l := p.List()
	if l == nil {
		l = []int{}
	}
	return json.Marshal(l)
}

// UnmarshalJSON reads a list of numbers.
func (p *PartitionSet) UnmarshalJSON(b []byte) error {
	var l []int
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*p = 0
	for _, n := range l {
		if n < 1 || n > 64 {
			return fmt.Errorf("partition %d out of range 1-64", n)
		}
		*p = p.With(n)
	}
	return nil
}

// ParsePartitions reads "1,4,6", "1 4 6" or ranges "1-3,6".
func ParsePartitions(s string) (PartitionSet, error) {
	var p PartitionSet
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(fields) == 0 {
		return 0, refuse(ErrInvalid, "no partitions given: list them like 1,2,4 or 1-3")
	}
	for _, f := range fields {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 1 || b > 64 || a > b {
			return 0, refuse(ErrInvalid, "partition %q is not a number 1-64 or a range like 1-3", f)
		}
		for n := a; n <= b; n++ {
			p = p.With(n)
		}
	}
	return p, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
