package grid

// Natural compares two strings the way people read them: runs of digits
// compare as numbers, so "User 11" comes before "User 1000", and the rest
// byte by byte. Equal numbers with more leading zeros come after ("7"
// before "07"), so the order is total. It allocates nothing: sorting
// 100,000 labels calls it about two million times.
func Natural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if !isDigit(ca) || !isDigit(cb) {
			if ca != cb {
				if ca < cb {
					return -1
				}
				return 1
			}
			i++
			j++
			continue
		}
		// Two runs of digits: skip leading zeros, then the longer run is
		// the larger number; equal lengths compare digit by digit.
		si, sj := i, j
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		ni, nj := i, j
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if la, lb := i-ni, j-nj; la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		for k := 0; k < i-ni; k++ {
			if a[ni+k] != b[nj+k] {
				if a[ni+k] < b[nj+k] {
					return -1
				}
				return 1
			}
		}
		if za, zb := ni-si, nj-sj; za != zb {
			if za < zb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a)-i < len(b)-j:
		return -1
	case len(a)-i > len(b)-j:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
