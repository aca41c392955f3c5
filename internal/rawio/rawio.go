// Package rawio reads and writes non-blocking descriptors with raw system
// calls, waiting for readiness in the runtime's poller.
//
// Why: every ordinary system call enters the scheduler's syscall path, and
// the first one after the process went idle wakes sysmon from its deep sleep
// with its shortest period (20 µs), which it keeps for a millisecond. A
// kernel that answers a cell every half millisecond thus kept sysmon waking
// every 20 µs: ~40% of the kernel process's CPU on a trivial cell, measured
// with perf. A read or write of a non-blocking descriptor never blocks, so
// it needs none of what the syscall path does (handing the P to another
// thread); the wait for readiness, when there is one, is the poller's.
package rawio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"
)

// Read reads into p once the descriptor is readable. It returns io.EOF at
// end of stream.
func Read(rc syscall.RawConn, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var (
		n     uintptr
		errno syscall.Errno
	)
	err := rc.Read(func(fd uintptr) bool {
		n, errno = call(syscall.SYS_READ, fd, p)
		return errno != syscall.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, errno
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}

// Write writes all of p, waiting for writability when the descriptor's
// buffer is full.
func Write(rc syscall.RawConn, p []byte) (int, error) {
	done := 0
	for done < len(p) {
		var (
			n     uintptr
			errno syscall.Errno
		)
		err := rc.Write(func(fd uintptr) bool {
			n, errno = call(syscall.SYS_WRITE, fd, p[done:])
			return errno != syscall.EAGAIN
		})
		if err != nil {
			return done, err
		}
		if errno != 0 {
			return done, errno
		}
		done += int(n)
	}
	return done, nil
}

// TryRead reads what fd holds without waiting: syscall.EAGAIN when nothing.
func TryRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, errno := call(syscall.SYS_READ, uintptr(fd), p)
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}

// call makes a read or write system call on p, again when a signal
// interrupted it: on EINTR the data may already be there, and waiting for
// the poller's next edge could wait for ever.
func call(trap, fd uintptr, p []byte) (uintptr, syscall.Errno) {
	for {
		n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if errno != syscall.EINTR {
			return n, errno
		}
	}
}

// File is an *os.File on a non-blocking descriptor (os.Pipe's ends, unless
// Fd was called) whose Read and Write are raw calls.
type File struct {
	*os.File
	rc syscall.RawConn
}

// NewFile wraps f.
func NewFile(f *os.File) (*File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("rawio: %s: %w", f.Name(), err)
	}
	return &File{File: f, rc: rc}, nil
}

// Read reads with Read.
func (f *File) Read(p []byte) (int, error) {
	n, err := Read(f.rc, p)
	return n, f.wrap("read", err)
}

// Write writes with Write.
func (f *File) Write(p []byte) (int, error) {
	n, err := Write(f.rc, p)
	return n, f.wrap("write", err)
}

// wrap makes errors look like *os.File's: the poller reports a file closed
// under a waiting call with an error of its own, which os.File.Read turns
// into os.ErrClosed; the others (a deadline, an errno) are kept.
func (f *File) wrap(op string, err error) error {
	var errno syscall.Errno
	switch {
	case err == nil || err == io.EOF:
		return err
	case errors.As(err, &errno), errors.Is(err, os.ErrDeadlineExceeded):
		return &os.PathError{Op: op, Path: f.Name(), Err: err}
	default:
		return &os.PathError{Op: op, Path: f.Name(), Err: os.ErrClosed}
	}
}
