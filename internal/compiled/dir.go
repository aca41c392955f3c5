package compiled

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dirEnvVar overrides where build work and plugins live.
const dirEnvVar = "GOKERNEL_COMPILE_DIR"

// maxSessionBytes caps what one session writes (sources, plugins); past it
// cells are interpreted. Each compiled cell's plugin is 2-4 MB.
const maxSessionBytes = 1 << 30

// maxCells caps the plugins one interpreter process loads: plugins cannot
// be unloaded, each maps its code and data for the process's lifetime.
const maxCells = 200

// baseDir is the per-user directory for build work:
// $GOKERNEL_COMPILE_DIR, else <user cache dir>/gokernel/compiled.
func baseDir() (string, error) {
	if d := os.Getenv(dirEnvVar); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for compiled cells (set %s): %w", dirEnvVar, err)
	}
	return filepath.Join(c, "gokernel", "compiled"), nil
}

// privateDir creates dir (mode 0700) if needed and checks that it is a
// directory owned by this user that nobody else can write or read, so that
// no other local user can swap a plugin the kernel will load. A directory
// of ours with wider permissions is tightened; one owned by someone else
// is refused.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s is not owned by this user: refusing to build or load plugins there", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("making %s private: %w", dir, err)
		}
	}
	return nil
}

// newSessionDir makes base private and creates this process's session
// directory in it (0700), after removing the directories of sessions whose
// process is gone.
func newSessionDir(base string) (string, error) {
	if err := privateDir(base); err != nil {
		return "", err
	}
	cleanStale(base)
	d, err := os.MkdirTemp(base, "session-"+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("creating a session directory in %s: %w", base, err)
	}
	return d, nil
}

// cleanStale removes session-PID-* directories whose process has exited.
func cleanStale(base string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), "session-")
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); err != nil && errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}

// dirSize is the total size of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
