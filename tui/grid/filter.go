package grid

import (
	"strings"
)

type term struct {
	key   string // "" for free text
	value string
}

type filter struct {
	terms   []term
	problem string
}

// parseFilter splits a query into terms. "key:value" terms name a column
// key; an unknown key is reported, and the term then matches as text.
func parseFilter(q string, cols []Column, extra []string) filter {
	var f filter
	keys := map[string]bool{}
	var known []string
	for _, c := range cols {
		if c.Key != "" {
			keys[c.Key] = true
			known = append(known, c.Key)
		}
	}
	for _, k := range extra {
		keys[k] = true
		known = append(known, k)
	}
	for _, word := range strings.Fields(strings.ToLower(q)) {
		if k, v, ok := strings.Cut(word, ":"); ok && k != "" {
			if keys[k] {
				f.terms = append(f.terms, term{key: k, value: v})
				continue
			}
			f.problem = "unknown field " + k + ": use " + strings.Join(known, ", ")
		}
		f.terms = append(f.terms, term{value: word})
	}
	return f
}

// narrows reports whether every row f matches also matched prev, so f can
// be applied to prev's result instead of to every row: each of prev's terms
// is still there (same kind, same key) with its value only extended.
func (f filter) narrows(prev filter) bool {
	if len(prev.terms) > len(f.terms) {
		return false
	}
	for i, p := range prev.terms {
		t := f.terms[i]
		if t.key != p.key || !strings.Contains(t.value, p.value) {
			return false
		}
	}
	return true
}

func (f filter) match(src Source, i int) bool {
	for _, t := range f.terms {
		var hay string
		if t.key == "" {
			hay = src.Haystack(i)
		} else {
			hay = src.Field(i, t.key)
		}
		if !strings.Contains(hay, t.value) {
			return false
		}
	}
	return true
}

// apply returns the rows of in that match, in order. With no terms it
// returns in itself (callers never modify the slice).
func (f filter) apply(src Source, in []int) []int {
	if len(f.terms) == 0 {
		return in
	}
	out := make([]int, 0, len(in)/4)
	for _, i := range in {
		if f.match(src, i) {
			out = append(out, i)
		}
	}
	return out
}
