package worker

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/gokernel/gokernel/internal/bytesize"
)

// totalMemory returns the machine's memory from /proc/meminfo, or 0.
func totalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}

// ApplyMemoryLimit caps the interpreter process's address space, so a cell
// that allocates without end kills only the interpreter (which the kernel
// restarts, saying why) instead of the machine. spec is $GOKERNEL_MEMORY_LIMIT:
// a size, "off", or empty for three quarters of the machine's memory.
// It returns the limit applied in bytes (0 for none).
func ApplyMemoryLimit(spec string) (int64, error) {
	var limit int64
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "off", "none", "0":
		return 0, nil
	case "":
		limit = totalMemory() / 4 * 3
		if limit == 0 {
			return 0, nil
		}
	default:
		l, err := bytesize.Parse(spec)
		if err != nil {
			return 0, fmt.Errorf("GOKERNEL_MEMORY_LIMIT: %w", err)
		}
		limit = l
	}
	// Let the garbage collector work hard before the hard wall is hit.
	debug.SetMemoryLimit(limit / 10 * 8)
	// The limit is on address space, and the Go runtime has reserved some
	// already (hundreds of MB that are never touched): the cap is what the
	// process has now plus the limit, so the limit means memory for cells.
	as := limit + virtualSize() + 512<<20
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: uint64(as), Max: uint64(as)}); err != nil {
		return 0, fmt.Errorf("setting the memory limit: %w", err)
	}
	return limit, nil
}

// virtualSize returns this process's address space size (VmSize), or 0.
func virtualSize() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if n, _ := fmt.Sscanf(line, "VmSize: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}
