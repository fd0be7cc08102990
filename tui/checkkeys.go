package tui

// CheckKeys reports whether key remaps (action ID → keys) are valid: known
// IDs, and no key bound twice where it would clash. Callers check the
// config before opening a terminal.
func CheckKeys(remaps map[string][]string) error {
	_, err := newKeymap(remaps)
	return err
}
