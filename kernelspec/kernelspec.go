// Package kernelspec installs and removes gokernel's Jupyter kernelspec: the
// kernels/<name>/kernel.json file (plus logos) that tells Jupyter how to start
// the kernel. It reproduces jupyter_core's path rules instead of shelling out
// to `jupyter kernelspec install`, so installing works even where only the
// gokernel binary and a Jupyter front end's data directory exist.
package kernelspec

//go:generate go run ./internal/genlogo -out assets

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// Defaults used when Options leaves a field empty; they are what
// `gokernel install` writes with no flags.
const (
	DefaultName        = "gokernel"
	DefaultDisplayName = "Go"
	// Language is kernel.json's "language": front ends use it for syntax
	// highlighting and file extensions.
	Language = "go"
	// InterruptMode is "message" because the kernel handles interrupt_request
	// on the control channel; signals would not reach goroutines usefully and
	// do not exist on Windows.
	InterruptMode = "message"
	// ConnectionFilePlaceholder is replaced by Jupyter with the path of the
	// connection file when it launches the kernel.
	ConnectionFilePlaceholder = "{connection_file}"
)

// Scope selects which Jupyter data directory receives the kernelspec, in the
// same way as the --user, --sys-prefix and --prefix options of
// `jupyter kernelspec install`.
type Scope int

const (
	// User installs for the current user only (jupyter_data_dir()); it is the
	// zero value so an empty Options does the least invasive thing.
	User Scope = iota
	// SysPrefix installs into the active Python environment
	// (<sys.prefix>/share/jupyter), so the kernel is visible only to the
	// Jupyter running in that virtualenv or conda environment.
	SysPrefix
	// Prefix installs into Options.Prefix/share/jupyter, for packagers and
	// custom Jupyter installations.
	Prefix
)

// String returns the command-line flag that selects the scope, which is how
// users know it.
func (s Scope) String() string {
	switch s {
	case User:
		return "--user"
	case SysPrefix:
		return "--sys-prefix"
	case Prefix:
		return "--prefix"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// Options describes one kernelspec. The zero value installs the default spec
// for the current user.
type Options struct {
	// Scope picks the Jupyter data directory.
	Scope Scope
	// Prefix is the installation prefix for the Prefix scope; it is ignored
	// otherwise.
	Prefix string
	// Name is the kernelspec directory name (default "gokernel"). Like
	// jupyter_client it must match [a-zA-Z0-9._-]+ and is stored lower-cased,
	// because Jupyter looks kernels up case-insensitively.
	Name string
	// DisplayName is what notebook UIs show (default "Go").
	DisplayName string
	// Env is extra environment for the kernel process (kernel.json "env").
	Env map[string]string
	// Executable is the absolute path of the gokernel binary. By default it is
	// the running binary with symlinks resolved, so the spec keeps working
	// when a symlink (e.g. in ~/go/bin) is later replaced.
	Executable string
	// Args are extra arguments appended to the kernel's argv after
	// "kernel", "-f", "{connection_file}".
	Args []string
}

// KernelJSON is the contents of kernel.json, typed so callers and tests need
// not juggle untyped maps. Field names follow the Jupyter kernelspec format.
type KernelJSON struct {
	// Argv is the command Jupyter runs; it must contain
	// ConnectionFilePlaceholder so the kernel learns its ports.
	Argv []string `json:"argv"`
	// DisplayName is shown in notebook kernel pickers.
	DisplayName string `json:"display_name"`
	// Language tells front ends which syntax to highlight.
	Language string `json:"language"`
	// InterruptMode says how Jupyter interrupts the kernel ("message").
	InterruptMode string `json:"interrupt_mode"`
	// Env is added to the kernel's environment; omitted when empty so the
	// file stays minimal.
	Env map[string]string `json:"env,omitempty"`
	// Metadata is always present (as {}) because some front ends expect it.
	Metadata map[string]any `json:"metadata"`
}

// logos holds the generated logo files (see internal/genlogo); they are
// embedded so that the single gokernel binary can install a complete spec.
//
//go:embed assets/logo-32x32.png assets/logo-64x64.png assets/logo-svg.svg
var logos embed.FS

// Logo returns an embedded logo file by its kernelspec name (logo-32x32.png,
// logo-64x64.png or logo-svg.svg), for callers that serve or inspect it.
func Logo(name string) ([]byte, error) {
	b, err := logos.ReadFile("assets/" + name)
	if err != nil {
		return nil, fmt.Errorf("kernelspec: logo %q: %w", name, err)
	}
	return b, nil
}

// LogoNames lists the logo files written next to kernel.json.
func LogoNames() []string {
	return []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"}
}

// kernelNameRE is jupyter_client's _kernel_name_pat.
const kernelNameRE = `^[a-zA-Z0-9._-]+$`

// ValidateName reports whether name is acceptable as a kernelspec name, using
// jupyter_client's rule plus a ban on "." and "..", which the rule allows but
// which would resolve outside the kernels directory.
func ValidateName(name string) error {
	if !regexp.MustCompile(kernelNameRE).MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("kernelspec: invalid kernel name %q: must be letters, digits, '.', '_' or '-' (and not . or ..)", name)
	}
	return nil
}

// normalize fills defaults and validates everything except the executable,
// which only Install and Spec need.
func normalize(opts Options) (Options, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if err := ValidateName(opts.Name); err != nil {
		return opts, err
	}
	opts.Name = strings.ToLower(opts.Name)
	if opts.DisplayName == "" {
		opts.DisplayName = DefaultDisplayName
	}
	for k := range opts.Env {
		if k == "" || strings.Contains(k, "=") {
			return opts, fmt.Errorf("kernelspec: invalid environment variable name %q", k)
		}
	}
	return opts, nil
}

// defaultExecutable returns the running binary's absolute, symlink-free path.
func defaultExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("kernelspec: locate gokernel binary: %w", err)
	}
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return "", fmt.Errorf("kernelspec: resolve gokernel binary %s: %w", exe, err)
	}
	return resolved, nil
}

// Spec returns the kernel.json that Install would write for opts. It has no
// error result so it can be used for display; if the defaults cannot be
// resolved (a bad name or no locatable binary) it uses best-effort values,
// and Install reports the problem instead.
func Spec(opts Options) KernelJSON {
	if n, err := normalize(opts); err == nil {
		opts = n
	} else if opts.DisplayName == "" {
		opts.DisplayName = DefaultDisplayName
	}
	exe := opts.Executable
	if exe == "" {
		var err error
		if exe, err = defaultExecutable(); err != nil {
			exe = "gokernel"
		}
	}
	return spec(opts, exe)
}

// spec builds kernel.json from already normalised options.
func spec(opts Options, exe string) KernelJSON {
	argv := append([]string{exe, "kernel", "-f", ConnectionFilePlaceholder}, opts.Args...)
	var env map[string]string
	if len(opts.Env) > 0 {
		env = make(map[string]string, len(opts.Env))
		for k, v := range opts.Env {
			env[k] = v
		}
	}
	return KernelJSON{
		Argv:          argv,
		DisplayName:   opts.DisplayName,
		Language:      Language,
		InterruptMode: InterruptMode,
		Env:           env,
		Metadata:      map[string]any{},
	}
}

// Install writes the kernelspec for opts and returns its kernels/<name>
// directory. The spec is assembled in a temporary sibling directory and then
// renamed into place, so Jupyter never sees a half-written spec and an
// existing spec of the same name is replaced as a whole.
func Install(opts Options) (dir string, err error) {
	opts, err = normalize(opts)
	if err != nil {
		return "", err
	}
	exe := opts.Executable
	if exe == "" {
		if exe, err = defaultExecutable(); err != nil {
			return "", err
		}
	} else if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("kernelspec: executable %q is not an absolute path", exe)
	}
	data, err := DataDir(opts.Scope, opts.Prefix)
	if err != nil {
		return "", err
	}
	kernels := filepath.Join(data, "kernels")
	dir = filepath.Join(kernels, opts.Name)
	// The wheel (pip install gokernel) puts the binary inside its own
	// kernelspec directory; replacing that directory would delete the
	// binary the new kernel.json points at.
	if within(exe, dir) {
		return "", fmt.Errorf("kernelspec: %s is already installed there, with this gokernel binary inside it (pip install gokernel put it there; pip uninstall gokernel removes it): pick another --name or scope", dir)
	}
	if err := os.MkdirAll(kernels, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: create %s: %w", kernels, err)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(spec(opts, exe)); err != nil {
		return "", fmt.Errorf("kernelspec: encode kernel.json: %w", err)
	}

	// '~' is not valid in kernel names, so a leftover temp dir from a crash
	// is never mistaken for a real kernelspec name.
	tmp, err := os.MkdirTemp(kernels, "."+opts.Name+"~new")
	if err != nil {
		return "", fmt.Errorf("kernelspec: create temporary directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: chmod %s: %w", tmp, err)
	}
	for _, name := range LogoNames() {
		b, err := Logo(name)
		if err != nil {
			return "", err
		}
		if err := writeFile(filepath.Join(tmp, name), b); err != nil {
			return "", err
		}
	}
	// kernel.json last: Jupyter treats a directory as a kernelspec once it
	// holds kernel.json.
	if err := writeFile(filepath.Join(tmp, "kernel.json"), buf.Bytes()); err != nil {
		return "", err
	}
	if err := replaceDir(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// writeFile writes b to path with mode 0644 regardless of umask, and syncs it
// so the later rename cannot expose an empty file after a crash.
func writeFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(path, 0o644)
	}
	if err != nil {
		return fmt.Errorf("kernelspec: write %s: %w", path, err)
	}
	return nil
}

// replaceDir moves the complete directory tmp to dir. A directory cannot be
// renamed over a non-empty one, so an existing dir is first moved aside and
// restored if the final rename fails.
func replaceDir(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("kernelspec: install %s: %w", dir, err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	old := tmp + "~old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("kernelspec: move existing %s aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return fmt.Errorf("kernelspec: install %s: %w (and restoring the old spec failed: %v, it is in %s)", dir, err, rerr, old)
		}
		return fmt.Errorf("kernelspec: install %s: %w", dir, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("kernelspec: installed %s but could not remove the previous spec at %s: %w", dir, old, err)
	}
	return nil
}

// Uninstall removes the kernels/<name> directory for opts and returns it. It
// fails when the spec is not installed in that scope, since silently doing
// nothing would hide a wrong --name or scope; that error wraps fs.ErrNotExist
// so callers can tell "nothing to do" apart from real failures.
func Uninstall(opts Options) (dir string, err error) {
	opts, err = normalize(opts)
	if err != nil {
		return "", err
	}
	data, err := DataDir(opts.Scope, opts.Prefix)
	if err != nil {
		return "", err
	}
	dir = filepath.Join(data, "kernels", opts.Name)
	if exe, err := defaultExecutable(); err == nil && within(exe, dir) {
		return dir, fmt.Errorf("kernelspec: %s holds this gokernel binary: pip install gokernel put it there, remove it with pip uninstall gokernel", dir)
	}
	if _, err := os.Lstat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return dir, fmt.Errorf("kernelspec: %s is not installed in %s: %w", opts.Name, filepath.Dir(dir), fs.ErrNotExist)
		}
		return dir, fmt.Errorf("kernelspec: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return dir, fmt.Errorf("kernelspec: remove %s: %w", dir, err)
	}
	return dir, nil
}

// within reports whether path is inside dir (both compared with symlinks
// resolved as far as they exist, so a symlinked prefix cannot hide it).
func within(path, dir string) bool {
	resolve := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return filepath.Clean(p)
	}
	rel, err := filepath.Rel(resolve(dir), resolve(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != "."
}

// DataDir returns the Jupyter data directory for scope, exactly as
// `jupyter --paths` computes it, so Jupyter finds what Install writes.
// prefix is used only for the Prefix scope.
func DataDir(scope Scope, prefix string) (string, error) {
	switch scope {
	case User:
		home, herr := homeDir()
		return userDataDir(runtime.GOOS, os.Getenv, home, herr)
	case SysPrefix:
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter"), nil
	case Prefix:
		if prefix == "" {
			return "", errors.New("kernelspec: --prefix needs a directory")
		}
		abs, err := filepath.Abs(prefix)
		if err != nil {
			return "", fmt.Errorf("kernelspec: prefix %s: %w", prefix, err)
		}
		return filepath.Join(abs, "share", "jupyter"), nil
	}
	return "", fmt.Errorf("kernelspec: unknown scope %v", scope)
}

// homeDir mirrors jupyter_core.paths.get_home_dir: the home directory with
// symlinks resolved.
func homeDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kernelspec: find home directory: %w", err)
	}
	if r, err := filepath.EvalSymlinks(home); err == nil {
		home = r
	}
	return home, nil
}

// envSet mirrors jupyter_core.paths.envset: a variable is "on" unless unset or
// one of the usual false spellings.
func envSet(getenv func(string) string, name string) bool {
	switch strings.ToLower(getenv(name)) {
	case "", "no", "n", "false", "off", "0", "0.0":
		return false
	}
	return true
}

// userDataDir is jupyter_core.paths.jupyter_data_dir for the given OS. The
// OS, environment and home directory are parameters so every platform's
// rules can be tested anywhere. home is only consulted (and homeErr only
// reported) when the environment does not decide the answer.
func userDataDir(goos string, getenv func(string) string, home string, homeErr error) (string, error) {
	if d := getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	needHome := func() (string, error) {
		if homeErr != nil {
			return "", homeErr
		}
		return home, nil
	}
	if envSet(getenv, "JUPYTER_PLATFORM_DIRS") {
		// platformdirs.user_data_dir(APPNAME, appauthor=False). On Linux and
		// other Unixes it coincides with the classic rule below (APPNAME is
		// "jupyter" there); on macOS APPNAME is "jupyter" only for a Python
		// under /opt/homebrew, which we cannot see, so "Jupyter" is assumed.
		switch goos {
		case "windows":
			if d := getenv("LOCALAPPDATA"); d != "" {
				return filepath.Join(d, "Jupyter"), nil
			}
		case "darwin":
			h, err := needHome()
			if err != nil {
				return "", err
			}
			return filepath.Join(h, "Library", "Application Support", "Jupyter"), nil
		}
	}
	switch goos {
	case "darwin":
		h, err := needHome()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, "Library", "Jupyter"), nil
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
		// jupyter_config_dir()/data
		if c := getenv("JUPYTER_CONFIG_DIR"); c != "" {
			return filepath.Join(c, "data"), nil
		}
		h, err := needHome()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".jupyter", "data"), nil
	}
	xdg := getenv("XDG_DATA_HOME")
	if xdg == "" {
		h, err := needHome()
		if err != nil {
			return "", err
		}
		xdg = filepath.Join(h, ".local", "share")
	}
	return filepath.Join(xdg, "jupyter"), nil
}

// sysPrefix finds the active Python's sys.prefix: an activated virtualenv or
// conda environment announces itself in the environment; otherwise the
// python3 on PATH is asked, because that is the Python whose Jupyter the
// user most likely runs.
func sysPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(v); p != "" {
			return p, nil
		}
	}
	py, err := exec.LookPath("python3")
	if err != nil && runtime.GOOS == "windows" {
		py, err = exec.LookPath("python")
	}
	if err != nil {
		return "", fmt.Errorf("kernelspec: --sys-prefix needs the active Python's sys.prefix, but VIRTUAL_ENV and CONDA_PREFIX are unset and python3 is not on PATH (activate the environment or use --prefix): %w", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(py, "-c", "import sys; print(sys.prefix)")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kernelspec: ask %s for sys.prefix: %w: %s", py, err, strings.TrimSpace(stderr.String()))
	}
	p := strings.TrimSpace(string(out))
	if p == "" {
		return "", fmt.Errorf("kernelspec: %s printed an empty sys.prefix", py)
	}
	return p, nil
}
