//go:build linux

package attach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// CheckSocket refuses a socket that neither this user nor the owner of
// its directory made, or that users outside its group may use: the
// socket's permission is what makes the service trustworthy.
func CheckSocket(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNoService
	}
	if err != nil {
		return err
	}
	if st.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s is not a socket: remove it, it is not guardroom's", path)
	}
	if err := socketOwner(path, st); err != nil {
		return err
	}
	// The group may use it ([serve] group), others never.
	if perm := st.Mode().Perm(); perm&0o007 != 0 {
		return fmt.Errorf("the service's socket %s is open to other users (mode %04o): stop the service and check its data directory", path, perm)
	}
	return nil
}

// Run runs the command in the service on the socket at path and returns
// its exit code. ErrNoService: nothing answers there (no socket, or one
// a killed service left).
func (c *Client) Run(ctx context.Context, path string) (int, error) {
	if err := CheckSocket(path); err != nil {
		return 0, err
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) {
			return 0, ErrNoService
		}
		return 0, fmt.Errorf("reach the service on %s: %w", path, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(DefaultHandshakeTimeout))
	sc, chans, reqs, err := gossh.NewClientConn(conn, "guardroom", &gossh.ClientConfig{
		User: "guardroom",
		// The socket's owner and mode were checked above; the service's
		// key is new at each start, so there is nothing to pin.
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return 0, fmt.Errorf("the service on %s closed the connection at once: only its own OS user and the members of its socket group ([serve] group) may use it, so ask to join that group; or it has too many connections starting: try again", path)
	}
	if err != nil {
		return 0, fmt.Errorf("reach the service on %s: %w", path, err)
	}
	conn.SetDeadline(time.Time{})
	client := gossh.NewClient(sc, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return 0, fmt.Errorf("open a session in the service: %w", err)
	}
	defer sess.Close()
	for _, kv := range c.Env {
		if k, v, ok := cutEnv(kv); ok {
			if err := sess.Setenv(k, v); err != nil {
				return 0, fmt.Errorf("pass %s to the service: %w", k, err)
			}
		}
	}

	req := request{Args: c.Args, Cwd: c.Cwd}
	fds := [3]int{-1, -1, -1}
	for i, s := range []any{c.Stdin, c.Stdout, c.Stderr} {
		if f, ok := s.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fds[i] = int(f.Fd())
		}
	}
	usePTY := fds[1] >= 0 || fds[2] >= 0
	sizeFD := fds[1]
	if sizeFD < 0 {
		sizeFD = fds[2]
	}
	if usePTY {
		for i, fd := range fds {
			if fd >= 0 {
				req.TTY = append(req.TTY, i)
			}
		}
		w, h, err := term.GetSize(sizeFD)
		if err != nil {
			w, h = 80, 24
		}
		termName := "xterm"
		for _, kv := range c.Env {
			if k, v, _ := cutEnv(kv); k == "TERM" && v != "" {
				termName = v
			}
		}
		if err := sess.RequestPty(termName, h, w, gossh.TerminalModes{}); err != nil {
			return 0, fmt.Errorf("ask the service for a terminal: %w", err)
		}
	}
	raw := usePTY && fds[0] >= 0
	if raw {
		// The service's terminal echoes and edits lines; this one passes
		// every key on.
		restore, err := RawInput(fds[0], fds[1] < 0)
		if err != nil {
			return 0, err
		}
		defer restore()
	}
	sess.Stdout, sess.Stderr = c.Stdout, c.Stderr
	in, err := sess.StdinPipe()
	if err != nil {
		return 0, err
	}
	go func() {
		io.Copy(in, c.Stdin)
		if !raw {
			in.Close() // end of a file or pipe: the command reads EOF
		}
	}()
	if usePTY {
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				if w, h, err := term.GetSize(sizeFD); err == nil {
					sess.WindowChange(h, w)
				}
			}
		}()
	}
	cmd, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	if err := sess.Start(string(cmd)); err != nil {
		return 0, fmt.Errorf("start the command in the service: %w", err)
	}
	// ctrl+c here (no raw terminal) interrupts the command there.
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		sess.Signal(gossh.SIGINT)
		err = <-done
	}
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	}
	if c.FullScreen {
		if fds[1] >= 0 {
			io.WriteString(c.Stdout, leaveFullScreen)
		}
		return 1, fmt.Errorf("the service ended under the console (stopped or killed): start guardroom console again once the service runs (guardroom status says whether it does)")
	}
	return 1, fmt.Errorf("the service ended before the command finished (stopped or killed): check with guardroom log list whether its change was made")
}

// leaveFullScreen undoes what the console set on the terminal: the
// alternate screen, the hidden cursor, mouse reporting, bracketed paste and
// the colours, and starts a fresh line.
const leaveFullScreen = "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[0m\r\n"

// RawInput puts the terminal in raw mode, as ssh -t does. With keepOutput
// the output processing stays on (newline is carriage return and line
// feed): for a command whose output goes to a pipe, whose reader may print
// on this terminal meanwhile, and for Bubble Tea on a terminal it did not
// make raw itself, which expects it.
func RawInput(fd int, keepOutput bool) (func(), error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	if !keepOutput {
		t.Oflag &^= unix.OPOST
	}
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}
