package compiled

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// workspaceEnvVar overrides the directory of the notebook's go.mod and
// go.sum (the workspace).
const workspaceEnvVar = "GOKERNEL_WORKSPACE"

// workspaceSubdir is the workspace's directory inside the notebook's
// directory: hidden, and not a go.mod of the notebook directory itself,
// which may be (part of) the user's own Go module.
const workspaceSubdir = ".gokernel"

// workspaceModule is the module path of the workspace go.mod.
const workspaceModule = "gokernel.notebook"

// workspaceDir says where the notebook's go.mod and go.sum live: $GOKERNEL_WORKSPACE,
// else .gokernel in the kernel's working directory (Jupyter starts a kernel in
// its notebook's directory), else, when that directory cannot be written, a
// directory for it under the user's cache. note says why when it is not the
// first choice.
func workspaceDir(cwd string) (dir, note string, err error) {
	if d := os.Getenv(workspaceEnvVar); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", "", fmt.Errorf("%s=%q: %w", workspaceEnvVar, d, err)
		}
		return abs, "set by " + workspaceEnvVar, nil
	}
	abs, err := filepath.Abs(cwd)
	if err != nil {
		return "", "", fmt.Errorf("the notebook directory %q: %w", cwd, err)
	}
	dir = filepath.Join(abs, workspaceSubdir)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir, "", nil
	}
	if syscall.Access(abs, 2 /* W_OK */) == nil {
		return dir, "", nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", "", fmt.Errorf("the notebook directory %s is not writable and there is no cache directory: %w", abs, err)
	}
	sum := sha256.Sum256([]byte(abs))
	dir = filepath.Join(c, "gokernel", "workspaces", filepath.Base(abs)+"-"+hex.EncodeToString(sum[:6]))
	return dir, "the notebook directory " + abs + " is not writable", nil
}

// pins reads the workspace's go.mod: the modules and versions the
// notebook uses (nil when there is none yet).
func readPins(dir string) (map[string]string, error) {
	name := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the notebook's go.mod: %w", err)
	}
	f, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing the notebook's go.mod: %w", err)
	}
	pins := map[string]string{}
	for _, r := range f.Require {
		if err := module.Check(r.Mod.Path, r.Mod.Version); err != nil {
			return nil, fmt.Errorf("the notebook's go.mod %s: %w", name, err)
		}
		pins[r.Mod.Path] = r.Mod.Version
	}
	return pins, nil
}

// writeWorkspace writes the workspace's go.mod (the pins) and go.sum
// (sums, the lines of the session's go.sum that are not the kernel's own
// modules), each through a temporary file and a rename.
func writeWorkspace(dir, goVersion string, pins map[string]string, sums []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the notebook's module directory: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// The Go modules this notebook's cells import, kept by gokernel (%%go mod shows them,\n// %%go get changes them). Keep this file and go.sum with the notebook.\nmodule %s\n\ngo %s\n", workspaceModule, goVersion)
	if len(pins) > 0 {
		b.WriteString("\nrequire (\n")
		paths := make([]string, 0, len(pins))
		for p := range pins {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			fmt.Fprintf(&b, "\t%s %s\n", p, pins[p])
		}
		b.WriteString(")\n")
	}
	sort.Strings(sums)
	files := map[string]string{"go.mod": b.String(), "go.sum": strings.Join(sums, "\n")}
	if len(sums) > 0 {
		files["go.sum"] += "\n"
	}
	for name, text := range files {
		if err := writeAtomic(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes data to name through a temporary file in its directory.
func writeAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(f.Name(), perm)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// lockDir takes an exclusive lock on dir/.lock (two kernels of one notebook
// directory update its go.mod one after the other); unlock releases it.
func lockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// hostMod is a module linked into this process, as its build info says.
type hostMod struct {
	Path, Version string
	// Replace is the replacement the kernel was built with ("" if none):
	// "path version" or a directory.
	ReplPath, ReplVersion string
	Sum                   string
}

// hostModules are the modules whose packages are linked into this binary
// (debug.ReadBuildInfo's deps): the base of every session's module graph,
// since a plugin shares these packages with the kernel and must have the
// kernel's build of them.
func hostModules() (map[string]hostMod, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("this binary carries no build information")
	}
	m := map[string]hostMod{}
	for _, d := range bi.Deps {
		h := hostMod{Path: d.Path, Version: d.Version, Sum: d.Sum}
		if d.Replace != nil {
			h.ReplPath, h.ReplVersion, h.Sum = d.Replace.Path, d.Replace.Version, d.Replace.Sum
		}
		m[d.Path] = h
	}
	return m, nil
}
