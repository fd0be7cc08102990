//go:build linux

package attach

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// groupsOf lists the group ids (primary and supplementary) of the user
// with id uid, as os/user finds them.
func groupsOf(uid string) ([]string, error) {
	u, err := user.LookupId(uid)
	if err != nil {
		return nil, err
	}
	return u.GroupIds()
}

// admit reports whether the peer with user id uid may use the socket: the
// service's own user, or, when group is set (a group id), a member of it.
// groups lists a user's group ids, primary included.
func admit(uid, self int, group string, groups func(uid string) ([]string, error)) (bool, error) {
	if uid == self {
		return true, nil
	}
	if group == "" || uid < 0 {
		return false, nil
	}
	ids, err := groups(strconv.Itoa(uid))
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, group), nil
}

// Listen makes the service's socket at path, replacing one a killed
// service left (the caller holds the database, so no live service owns
// it). With group "" it is mode 0600, for this user only; with a group
// (a name or an id) it is 0660 and belongs to that group, and
// Config.Group must then name it too. It returns the group's id.
func Listen(path, group string) (net.Listener, string, error) {
	gid := ""
	if group != "" {
		g, err := LookupGroup(group)
		if err != nil {
			return nil, "", err
		}
		gid = g
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("remove the old socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", path, err)
	}
	mode := os.FileMode(0o600)
	if gid != "" {
		n, _ := strconv.Atoi(gid)
		if err := os.Lchown(path, -1, n); err != nil {
			ln.Close()
			return nil, "", fmt.Errorf("give the socket %s to group %s: %w (the service's user must be a member of it)", path, group, err)
		}
		mode = 0o660
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, "", err
	}
	return ln, gid, nil
}

// LookupGroup returns the id of the group named (or numbered) group.
func LookupGroup(group string) (string, error) {
	g, err := user.LookupGroup(group)
	if err != nil {
		if _, nerr := strconv.Atoi(group); nerr == nil {
			if g, err = user.LookupGroupId(group); err == nil {
				return g.Gid, nil
			}
		}
		return "", fmt.Errorf("the socket's group %q: %v: create the group (groupadd %s) or fix [serve] group", group, err, group)
	}
	return g.Gid, nil
}

// socketOwner checks who made the socket at path, for a client: its own
// user, or the owner of the directory it is in when that directory is
// closed to writes by anyone else (only that user could have put it
// there: the service's user, with the client in its socket group).
func socketOwner(path string, st fs.FileInfo) error {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || int(sys.Uid) == os.Getuid() {
		return nil
	}
	dir, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return err
	}
	dsys, ok := dir.Sys().(*syscall.Stat_t)
	if ok && dsys.Uid == sys.Uid && dir.Mode().Perm()&0o022 == 0 {
		return nil
	}
	return fmt.Errorf("the service's socket %s belongs to another user (uid %d) in a directory it does not own alone: run guardroom as the user the service runs as, or check the data directory", path, sys.Uid)
}
