package kernelspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// isolate clears every variable that influences DataDir and points HOME at a
// fresh directory, so tests never touch the real Jupyter installation.
func isolate(t *testing.T) (home string) {
	t.Helper()
	for _, k := range []string{"JUPYTER_DATA_DIR", "XDG_DATA_HOME", "JUPYTER_PLATFORM_DIRS", "JUPYTER_CONFIG_DIR", "VIRTUAL_ENV", "CONDA_PREFIX"} {
		t.Setenv(k, "") // registers restoration
		os.Unsetenv(k)
	}
	home = t.TempDir()
	if r, err := filepath.EvalSymlinks(home); err == nil {
		home = r
	}
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("APPDATA", filepath.Join(home, "AppData", "Roaming"))
	return home
}

func fakeExe(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "bin", "gokernel")
}

func TestUserDataDirRules(t *testing.T) {
	const home = "/h"
	homeErr := errors.New("no home")
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		homeErr error
		want    string
		wantErr bool
	}{
		{name: "linux default", goos: "linux", want: filepath.Join(home, ".local", "share", "jupyter")},
		{name: "linux XDG_DATA_HOME", goos: "linux", env: map[string]string{"XDG_DATA_HOME": "/xdg"}, want: filepath.Join("/xdg", "jupyter")},
		{name: "JUPYTER_DATA_DIR wins on linux", goos: "linux", env: map[string]string{"JUPYTER_DATA_DIR": "/jd", "XDG_DATA_HOME": "/xdg"}, want: "/jd"},
		{name: "JUPYTER_DATA_DIR wins on darwin", goos: "darwin", env: map[string]string{"JUPYTER_DATA_DIR": "/jd"}, want: "/jd"},
		{name: "JUPYTER_DATA_DIR wins on windows", goos: "windows", env: map[string]string{"JUPYTER_DATA_DIR": "/jd", "APPDATA": "/ad"}, want: "/jd"},
		{name: "JUPYTER_DATA_DIR needs no home", goos: "linux", env: map[string]string{"JUPYTER_DATA_DIR": "/jd"}, homeErr: homeErr, want: "/jd"},
		{name: "freebsd like linux", goos: "freebsd", want: filepath.Join(home, ".local", "share", "jupyter")},
		{name: "darwin", goos: "darwin", env: map[string]string{"XDG_DATA_HOME": "/ignored"}, want: filepath.Join(home, "Library", "Jupyter")},
		{name: "windows APPDATA", goos: "windows", env: map[string]string{"APPDATA": "/ad"}, want: filepath.Join("/ad", "jupyter")},
		{name: "windows no APPDATA, JUPYTER_CONFIG_DIR", goos: "windows", env: map[string]string{"JUPYTER_CONFIG_DIR": "/cfg"}, want: filepath.Join("/cfg", "data")},
		{name: "windows no APPDATA", goos: "windows", want: filepath.Join(home, ".jupyter", "data")},
		{name: "platform dirs linux", goos: "linux", env: map[string]string{"JUPYTER_PLATFORM_DIRS": "1"}, want: filepath.Join(home, ".local", "share", "jupyter")},
		{name: "platform dirs linux XDG", goos: "linux", env: map[string]string{"JUPYTER_PLATFORM_DIRS": "true", "XDG_DATA_HOME": "/xdg"}, want: filepath.Join("/xdg", "jupyter")},
		{name: "platform dirs darwin", goos: "darwin", env: map[string]string{"JUPYTER_PLATFORM_DIRS": "yes"}, want: filepath.Join(home, "Library", "Application Support", "Jupyter")},
		{name: "platform dirs windows", goos: "windows", env: map[string]string{"JUPYTER_PLATFORM_DIRS": "1", "LOCALAPPDATA": "/lad", "APPDATA": "/ad"}, want: filepath.Join("/lad", "Jupyter")},
		{name: "platform dirs off", goos: "linux", env: map[string]string{"JUPYTER_PLATFORM_DIRS": "0"}, want: filepath.Join(home, ".local", "share", "jupyter")},
		{name: "home error linux", goos: "linux", homeErr: homeErr, wantErr: true},
		{name: "home error darwin", goos: "darwin", homeErr: homeErr, wantErr: true},
		{name: "XDG avoids home error", goos: "linux", env: map[string]string{"XDG_DATA_HOME": "/xdg"}, homeErr: homeErr, want: filepath.Join("/xdg", "jupyter")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			got, err := userDataDir(tt.goos, getenv, home, tt.homeErr)
			if tt.wantErr {
				if !errors.Is(err, homeErr) {
					t.Fatalf("got (%q, %v), want error wrapping %v", got, err, homeErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got (%q, %v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestDataDir(t *testing.T) {
	tests := []struct {
		name    string
		scope   Scope
		prefix  string
		setup   func(t *testing.T, home string) (want string)
		wantErr string
	}{
		{
			name: "user honours JUPYTER_DATA_DIR", scope: User,
			setup: func(t *testing.T, home string) string {
				d := filepath.Join(home, "custom-data")
				t.Setenv("JUPYTER_DATA_DIR", d)
				return d
			},
		},
		{
			name: "user default for this OS", scope: User,
			setup: func(t *testing.T, home string) string {
				switch runtime.GOOS {
				case "darwin":
					return filepath.Join(home, "Library", "Jupyter")
				case "windows":
					return filepath.Join(home, "AppData", "Roaming", "jupyter")
				}
				return filepath.Join(home, ".local", "share", "jupyter")
			},
		},
		{
			name: "sys-prefix from VIRTUAL_ENV", scope: SysPrefix,
			setup: func(t *testing.T, home string) string {
				t.Setenv("VIRTUAL_ENV", filepath.Join(home, "venv"))
				t.Setenv("CONDA_PREFIX", filepath.Join(home, "conda"))
				return filepath.Join(home, "venv", "share", "jupyter")
			},
		},
		{
			name: "sys-prefix from CONDA_PREFIX", scope: SysPrefix,
			setup: func(t *testing.T, home string) string {
				t.Setenv("CONDA_PREFIX", filepath.Join(home, "conda"))
				return filepath.Join(home, "conda", "share", "jupyter")
			},
		},
		{
			name: "sys-prefix asks python3", scope: SysPrefix,
			setup: func(t *testing.T, home string) string {
				if runtime.GOOS == "windows" {
					// A shell-script stand-in cannot run there; use the env
					// route so the case still checks something.
					t.Setenv("VIRTUAL_ENV", filepath.Join(home, "py"))
					return filepath.Join(home, "py", "share", "jupyter")
				}
				bin := filepath.Join(home, "bin")
				if err := os.MkdirAll(bin, 0o755); err != nil {
					t.Fatal(err)
				}
				script := "#!/bin/sh\necho " + filepath.Join(home, "py") + "\n"
				if err := os.WriteFile(filepath.Join(bin, "python3"), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
				t.Setenv("PATH", bin)
				return filepath.Join(home, "py", "share", "jupyter")
			},
		},
		{
			name: "sys-prefix without python3", scope: SysPrefix, wantErr: "python3 is not on PATH",
			setup: func(t *testing.T, home string) string {
				t.Setenv("PATH", filepath.Join(home, "empty"))
				return ""
			},
		},
		{
			name: "prefix", scope: Prefix, prefix: "/opt/jup",
			setup: func(t *testing.T, home string) string {
				abs, _ := filepath.Abs("/opt/jup")
				return filepath.Join(abs, "share", "jupyter")
			},
		},
		{
			name: "relative prefix made absolute", scope: Prefix, prefix: "rel",
			setup: func(t *testing.T, home string) string {
				wd, _ := os.Getwd()
				return filepath.Join(wd, "rel", "share", "jupyter")
			},
		},
		{name: "prefix without dir", scope: Prefix, wantErr: "--prefix needs a directory"},
		{name: "unknown scope", scope: Scope(42), wantErr: "unknown scope Scope(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := isolate(t)
			want := ""
			if tt.setup != nil {
				want = tt.setup(t, home)
			}
			got, err := DataDir(tt.scope, tt.prefix)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got (%q, %v), want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != want {
				t.Fatalf("got (%q, %v), want %q", got, err, want)
			}
		})
	}
}

func TestInstallWritesSpec(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantName string
		want     KernelJSON
		wantEnv  bool
	}{
		{
			name:     "defaults",
			opts:     Options{Executable: "/usr/local/bin/gokernel"},
			wantName: "gokernel",
			want: KernelJSON{
				Argv:        []string{"/usr/local/bin/gokernel", "kernel", "-f", "{connection_file}"},
				DisplayName: "Go", Language: "go", InterruptMode: "message", Metadata: map[string]any{},
			},
		},
		{
			name: "everything set, name lower-cased like jupyter",
			opts: Options{
				Executable: "/x/gokernel", Name: "GoKernel-1.26", DisplayName: "Go 1.26 <dev>",
				Env: map[string]string{"GOFLAGS": "-mod=mod", "A": "b=c"}, Args: []string{"--log", "debug"},
			},
			wantName: "gokernel-1.26",
			wantEnv:  true,
			want: KernelJSON{
				Argv:        []string{"/x/gokernel", "kernel", "-f", "{connection_file}", "--log", "debug"},
				DisplayName: "Go 1.26 <dev>", Language: "go", InterruptMode: "message",
				Env:      map[string]string{"GOFLAGS": "-mod=mod", "A": "b=c"},
				Metadata: map[string]any{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			prefix := t.TempDir()
			tt.opts.Scope, tt.opts.Prefix = Prefix, prefix
			dir, err := Install(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(prefix, "share", "jupyter", "kernels", tt.wantName); dir != want {
				t.Fatalf("dir = %q, want %q", dir, want)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
			if err != nil {
				t.Fatal(err)
			}
			var got KernelJSON
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("kernel.json = %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(got, Spec(tt.opts)) {
				t.Errorf("kernel.json differs from Spec: %+v vs %+v", got, Spec(tt.opts))
			}
			var generic map[string]any
			if err := json.Unmarshal(raw, &generic); err != nil {
				t.Fatal(err)
			}
			if _, has := generic["env"]; has != tt.wantEnv {
				t.Errorf("env present = %v, want %v:\n%s", has, tt.wantEnv, raw)
			}
			if m, ok := generic["metadata"].(map[string]any); !ok || len(m) != 0 {
				t.Errorf("metadata = %#v, want {}", generic["metadata"])
			}
			if bytes.Contains(raw, []byte(`\u003c`)) {
				t.Errorf("kernel.json escapes HTML needlessly:\n%s", raw)
			}
			checkFiles(t, dir)
			// No temporary directories may be left beside the spec.
			entries, err := os.ReadDir(filepath.Dir(dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("kernels dir holds %d entries, want just %s", len(entries), tt.wantName)
			}
		})
	}
}

// checkFiles verifies the spec directory's files, permissions and logos.
func checkFiles(t *testing.T, dir string) {
	t.Helper()
	if st, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && st.Mode().Perm() != 0o755 {
		t.Errorf("%s mode = %v, want 0755", dir, st.Mode().Perm())
	}
	for _, name := range append(LogoNames(), "kernel.json") {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("missing %s: %v", name, err)
			continue
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
			t.Errorf("%s mode = %v, want 0644", name, st.Mode().Perm())
		}
	}
	for _, tc := range []struct {
		file string
		size int
	}{{"logo-32x32.png", 32}, {"logo-64x64.png", 64}} {
		f, err := os.Open(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
			t.Errorf("%s is %dx%d, want %dx%d", tc.file, b.Dx(), b.Dy(), tc.size, tc.size)
		}
		// The centre of the logo is Go blue or white, never transparent.
		if _, _, _, a := img.At(tc.size/2, 2).RGBA(); a != 0xffff {
			t.Errorf("%s is not opaque at the top centre", tc.file)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("#00ADD8")) {
		t.Errorf("logo-svg.svg does not look like the Go logo:\n%s", svg)
	}
}

func TestEmbeddedLogosDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
	}{{"logo-32x32.png", 32}, {"logo-64x64.png", 64}} {
		b, err := Logo(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cfg.Width != tc.size || cfg.Height != tc.size {
			t.Errorf("%s is %dx%d", tc.name, cfg.Width, cfg.Height)
		}
	}
	if _, err := Logo("nope.png"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Logo(nope.png) err = %v, want fs.ErrNotExist", err)
	}
}

func TestInstallUserScopeHonoursJupyterDataDir(t *testing.T) {
	isolate(t)
	data := filepath.Join(t.TempDir(), "jdata")
	t.Setenv("JUPYTER_DATA_DIR", data)
	dir, err := Install(Options{Executable: fakeExe(t)})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(data, "kernels", "gokernel"); dir != want {
		t.Fatalf("dir = %q, want %q", dir, want)
	}
	checkFiles(t, dir)
}

func TestInstallReplacesExisting(t *testing.T) {
	isolate(t)
	opts := Options{Scope: Prefix, Prefix: t.TempDir(), Executable: fakeExe(t), DisplayName: "Old"}
	dir, err := Install(opts)
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "stale.txt")
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.DisplayName = "New"
	dir2, err := Install(opts)
	if err != nil {
		t.Fatal(err)
	}
	if dir2 != dir {
		t.Fatalf("second install went to %q, first to %q", dir2, dir)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale file survived replacement: %v", err)
	}
	var got KernelJSON
	raw, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err := json.Unmarshal(raw, &got); err != nil || got.DisplayName != "New" {
		t.Errorf("display_name = %q (%v), want New", got.DisplayName, err)
	}
	checkFiles(t, dir)
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("leftovers in kernels dir: %v", entries)
	}
}

func TestUninstall(t *testing.T) {
	isolate(t)
	opts := Options{Scope: Prefix, Prefix: t.TempDir(), Executable: fakeExe(t), Name: "go-test"}
	dir, err := Install(opts)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Install(Options{Scope: Prefix, Prefix: opts.Prefix, Executable: opts.Executable})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Uninstall(opts)
	if err != nil || got != dir {
		t.Fatalf("Uninstall = (%q, %v), want (%q, nil)", got, err, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still exists: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(other, "kernel.json")); err != nil {
		t.Errorf("uninstall removed another spec: %v", err)
	}
	_, err = Uninstall(opts)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "go-test is not installed") {
		t.Errorf("second Uninstall err = %v, want not installed / fs.ErrNotExist", err)
	}
}

func TestBadOptions(t *testing.T) {
	isolate(t)
	prefix := t.TempDir()
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"slash in name", Options{Name: "a/b"}, "invalid kernel name"},
		{"dot-dot name", Options{Name: ".."}, "invalid kernel name"},
		{"dot name", Options{Name: "."}, "invalid kernel name"},
		{"space in name", Options{Name: "go kernel"}, "invalid kernel name"},
		{"non-ASCII name", Options{Name: "gö"}, "invalid kernel name"},
		{"empty env key", Options{Env: map[string]string{"": "v"}}, "invalid environment variable name"},
		{"= in env key", Options{Env: map[string]string{"A=B": "v"}}, "invalid environment variable name"},
		{"relative executable", Options{Executable: "gokernel"}, "not an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Scope, tt.opts.Prefix = Prefix, prefix
			if tt.opts.Executable == "" {
				tt.opts.Executable = "/bin/gokernel"
			}
			if _, err := Install(tt.opts); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Install err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(tt.name, "name") {
				if _, err := Uninstall(tt.opts); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Uninstall err = %v, want %q", err, tt.wantErr)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(prefix, "share", "jupyter", "kernels")); len(entries) != 0 {
		t.Errorf("bad options left files behind: %v", entries)
	}
}

func TestSpecDefaultsExecutable(t *testing.T) {
	s := Spec(Options{})
	if !filepath.IsAbs(s.Argv[0]) {
		t.Errorf("default executable %q is not absolute", s.Argv[0])
	}
	if r, err := filepath.EvalSymlinks(s.Argv[0]); err != nil || r != s.Argv[0] {
		t.Errorf("default executable %q is not symlink-resolved (%q, %v)", s.Argv[0], r, err)
	}
	if s.DisplayName != "Go" || s.Env != nil || s.Metadata == nil {
		t.Errorf("Spec(Options{}) = %+v", s)
	}
	// Spec must not alias the caller's map.
	env := map[string]string{"K": "V"}
	s = Spec(Options{Env: env, Executable: "/g"})
	s.Env["K"] = "changed"
	if env["K"] != "V" {
		t.Error("Spec aliases Options.Env")
	}
}

func TestScopeString(t *testing.T) {
	for s, want := range map[Scope]string{User: "--user", SysPrefix: "--sys-prefix", Prefix: "--prefix", Scope(9): "Scope(9)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		path, dir string
		want      bool
	}{
		{"/p/share/jupyter/kernels/gokernel/gokernel", "/p/share/jupyter/kernels/gokernel", true},
		{"/p/share/jupyter/kernels/gokernel/sub/gokernel", "/p/share/jupyter/kernels/gokernel", true},
		{"/p/share/jupyter/kernels/gokernel", "/p/share/jupyter/kernels/gokernel", false},
		{"/p/share/jupyter/kernels/gokernel-old/gokernel", "/p/share/jupyter/kernels/gokernel", false},
		{"/p/bin/gokernel", "/p/share/jupyter/kernels/gokernel", false},
		{"/p/..gokernel/x", "/p", true},
	}
	for _, tt := range tests {
		if got := within(tt.path, tt.dir); got != tt.want {
			t.Errorf("within(%q, %q) = %v, want %v", tt.path, tt.dir, got, tt.want)
		}
	}
}

// The wheel's layout: the binary inside the spec directory it belongs to.
// Installing or uninstalling that spec with this binary would delete it.
func TestInstallRefusesToReplaceItsOwnDirectory(t *testing.T) {
	isolate(t)
	prefix := t.TempDir()
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "gokernel")
	exe := filepath.Join(dir, "gokernel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: exe})
	if err == nil || !strings.Contains(err.Error(), "pip uninstall gokernel") {
		t.Fatalf("Install over its own directory: err = %v, want a refusal naming pip", err)
	}
	if b, err := os.ReadFile(exe); err != nil || string(b) != "binary" {
		t.Fatalf("the binary was touched: %q, %v", b, err)
	}
	// Another name in the same scope is fine.
	other, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: exe, Name: "gokernel-2"})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, other)
}
