package worker

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// ParseSize reads sizes such as "4GiB", "512MB", "1.5G" or a plain byte count.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 4GiB, 512MB, 1073741824)", s)
	}
	return int64(f * float64(mult)), nil
}

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
		l, err := ParseSize(spec)
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
