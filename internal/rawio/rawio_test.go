package rawio

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestFilePipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rf, err := NewFile(r)
	if err != nil {
		t.Fatal(err)
	}
	wf, err := NewFile(w)
	if err != nil {
		t.Fatal(err)
	}
	// More than a pipe buffer: the writer must wait for the reader.
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	errc := make(chan error, 1)
	go func() {
		n, err := wf.Write(want)
		if err == nil && n != len(want) {
			err = io.ErrShortWrite
		}
		errc <- errors.Join(err, wf.Close())
	}()
	got, err := io.ReadAll(rf)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if string(got) != string(want) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
}

func TestFileErrors(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T) error
		is   error
	}{
		{"read of a file closed while waiting", func(t *testing.T) error {
			r, w, _ := os.Pipe()
			defer w.Close()
			rf, _ := NewFile(r)
			go func() { time.Sleep(50 * time.Millisecond); r.Close() }()
			_, err := rf.Read(make([]byte, 8))
			return err
		}, os.ErrClosed},
		{"write to a pipe whose reader is gone", func(t *testing.T) error {
			r, w, _ := os.Pipe()
			r.Close()
			wf, _ := NewFile(w)
			defer w.Close()
			_, err := wf.Write([]byte("x"))
			return err
		}, syscall.EPIPE},
		{"read deadline", func(t *testing.T) error {
			r, w, _ := os.Pipe()
			defer w.Close()
			defer r.Close()
			rf, _ := NewFile(r)
			_ = r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, err := rf.Read(make([]byte, 8))
			return err
		}, os.ErrDeadlineExceeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(t)
			if !errors.Is(err, c.is) {
				t.Fatalf("err = %v, want %v", err, c.is)
			}
			var pe *os.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %T, want *os.PathError like os.File's", err)
			}
		})
	}
}

func TestTryRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	rc, _ := r.SyscallConn()
	var fd int
	_ = rc.Control(func(f uintptr) { fd = int(f) })
	buf := make([]byte, 8)
	if _, err := TryRead(fd, buf); err != syscall.EAGAIN {
		t.Fatalf("empty pipe: err = %v, want EAGAIN", err)
	}
	_, _ = w.Write([]byte("abc"))
	if n, err := TryRead(fd, buf); err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("TryRead = %q, %v", buf[:n], err)
	}
}

func TestSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, _ := c.(*net.TCPConn).SyscallConn()
	if _, err := Write(rc, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	got := 0
	for got < 4 {
		n, err := Read(rc, buf[got:])
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	if string(buf) != "ping" {
		t.Fatalf("echo = %q", buf)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	if _, err := Read(rc, buf); err != io.EOF {
		t.Fatalf("after the peer closed: err = %v, want io.EOF", err)
	}
}
