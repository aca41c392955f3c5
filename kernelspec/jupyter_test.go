package kernelspec

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// jupyterEnvVar gates TestAgainstJupyter. The project's test command sets it
// (it runs inside a venv with jupyter installed); when it is set, a missing
// jupyter is a failure rather than a skip, so CI cannot quietly stop
// checking our path rules against the real implementation.
const jupyterEnvVar = "GOKERNEL_JUPYTER"

// runJupyter runs jupyter with args in the current (test-modified)
// environment and returns its trimmed stdout.
func runJupyter(t *testing.T, jupyter string, args ...string) string {
	t.Helper()
	cmd := exec.Command(jupyter, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jupyter %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// samePath compares paths after cleaning and resolving symlinks where
// possible, since Jupyter resolves some components (the home directory) and
// not others.
func samePath(a, b string) bool {
	norm := func(p string) string {
		p = filepath.Clean(p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	return norm(a) == norm(b)
}

func TestAgainstJupyter(t *testing.T) {
	if os.Getenv(jupyterEnvVar) == "" {
		t.Skipf("comparison with the real jupyter is gated: set %s=1 (the project's test command does, inside its venv)", jupyterEnvVar)
	}
	jupyter, err := exec.LookPath("jupyter")
	if err != nil {
		t.Fatalf("%s is set but jupyter is not on PATH: %v", jupyterEnvVar, err)
	}

	// --user: compare with `jupyter --data-dir`, which prints
	// jupyter_data_dir(), under several environments.
	userCases := []struct {
		name  string
		setup func(t *testing.T)
	}{
		{"ambient environment", func(t *testing.T) {}},
		{"JUPYTER_DATA_DIR", func(t *testing.T) {
			t.Setenv("JUPYTER_DATA_DIR", filepath.Join(t.TempDir(), "jd"))
		}},
		{"XDG_DATA_HOME", func(t *testing.T) {
			t.Setenv("JUPYTER_DATA_DIR", "")
			os.Unsetenv("JUPYTER_DATA_DIR")
			t.Setenv("XDG_DATA_HOME", filepath.Join(t.TempDir(), "xdg"))
		}},
		{"fresh HOME", func(t *testing.T) {
			t.Setenv("JUPYTER_DATA_DIR", "")
			os.Unsetenv("JUPYTER_DATA_DIR")
			t.Setenv("XDG_DATA_HOME", "")
			os.Unsetenv("XDG_DATA_HOME")
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("USERPROFILE", home)
		}},
		{"JUPYTER_PLATFORM_DIRS", func(t *testing.T) {
			t.Setenv("JUPYTER_DATA_DIR", "")
			os.Unsetenv("JUPYTER_DATA_DIR")
			t.Setenv("JUPYTER_PLATFORM_DIRS", "1")
		}},
	}
	for _, tc := range userCases {
		t.Run("user/"+tc.name, func(t *testing.T) {
			tc.setup(t)
			want := runJupyter(t, jupyter, "--data-dir")
			got, err := DataDir(User, "")
			if err != nil {
				t.Fatal(err)
			}
			if !samePath(got, want) {
				t.Errorf("DataDir(User) = %q, jupyter --data-dir = %q", got, want)
			}
		})
	}

	// --sys-prefix: <sys.prefix>/share/jupyter is one of the data paths.
	t.Run("sys-prefix", func(t *testing.T) {
		var paths struct {
			Data []string `json:"data"`
		}
		out := runJupyter(t, jupyter, "--paths", "--json")
		if err := json.Unmarshal([]byte(out), &paths); err != nil {
			t.Fatalf("jupyter --paths --json: %v\n%s", err, out)
		}
		got, err := DataDir(SysPrefix, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(paths.Data, func(p string) bool { return samePath(p, got) }) {
			t.Errorf("DataDir(SysPrefix) = %q is not among jupyter's data paths %q", got, paths.Data)
		}
	})

	// jupyter_client must find and accept what Install writes. jupyter-kernelspec
	// comes from jupyter_client, which a minimal jupyter_core venv may lack;
	// that is reported, not skipped, since the path checks above still ran.
	t.Run("kernelspec list", func(t *testing.T) {
		if _, err := exec.LookPath("jupyter-kernelspec"); err != nil {
			t.Logf("jupyter-kernelspec (jupyter_client) not on PATH, so kernelspec acceptance is unchecked: %v", err)
			return
		}
		data := filepath.Join(t.TempDir(), "jd")
		t.Setenv("JUPYTER_DATA_DIR", data)
		dir, err := Install(Options{Name: "gokernel-test", DisplayName: "Go test", Executable: fakeExe(t), Env: map[string]string{"K": "V"}})
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Kernelspecs map[string]struct {
				ResourceDir string     `json:"resource_dir"`
				Spec        KernelJSON `json:"spec"`
			} `json:"kernelspecs"`
		}
		out := runJupyter(t, jupyter, "kernelspec", "list", "--json")
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("jupyter kernelspec list --json: %v\n%s", err, out)
		}
		ks, ok := list.Kernelspecs["gokernel-test"]
		if !ok {
			t.Fatalf("jupyter does not list gokernel-test:\n%s", out)
		}
		if !samePath(ks.ResourceDir, dir) || ks.Spec.Language != "go" || ks.Spec.InterruptMode != "message" || ks.Spec.Env["K"] != "V" {
			t.Errorf("jupyter sees %+v, installed at %s", ks, dir)
		}
	})
}
