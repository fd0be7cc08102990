package drivers

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestDialInProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Dial(ctx, "inproc:nobody"); !errors.Is(err, ErrOffline) || !Transient(err) {
		t.Fatalf("dial with no listener: %v (transient %v)", err, Transient(err))
	}
	l, err := ListenInProcess("panel-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ListenInProcess("panel-a"); err == nil {
		t.Fatal("a second listener on the same name")
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Write([]byte("echo " + line))
				c.Close()
			}()
		}
	}()
	c, err := Dial(ctx, "inproc:panel-a")
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello\n"))
	got, _ := bufio.NewReader(c).ReadString('\n')
	if got != "echo hello\n" {
		t.Errorf("got %q", got)
	}
	if l.Addr().String() != "inproc:panel-a" {
		t.Errorf("addr %s", l.Addr())
	}
	l.Close()
	if _, err := Dial(ctx, "inproc:panel-a"); !errors.Is(err, ErrOffline) {
		t.Errorf("dial after close: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("accept after close: %v", err)
	}
	// The name is free again.
	l2, err := ListenInProcess("panel-a")
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
	// TCP addresses go to the network.
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	go func() {
		if c, err := tl.Accept(); err == nil {
			c.Close()
		}
	}()
	if c, err := Dial(ctx, tl.Addr().String()); err != nil {
		t.Fatalf("tcp: %v", err)
	} else {
		c.Close()
	}
}

func TestTCPAddress(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"10.0.0.5", "10.0.0.5:4025", ""},
		{"tcp://10.0.0.5:4026", "10.0.0.5:4026", ""},
		{" evl.local ", "evl.local:4025", ""},
		{"[fe80::1]:4025", "[fe80::1]:4025", ""},
		{"inproc:demo-dsc", "inproc:demo-dsc", ""},
		{"", "", "no address"},
		{"tcp://", "", "no address"},
		{":4025", "", "give host or host:port"},
	} {
		got, err := TCPAddress(c.in, "4025")
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("TCPAddress(%q) = %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}
