package kernelspec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMainCommand(t *testing.T) {
	type env struct{ data, prefix string }
	tests := []struct {
		name       string
		args       func(e env) []string
		setup      func(t *testing.T, e env)
		wantCode   int
		wantStdout string // substring; "" means stdout must be empty
		wantStderr string // substring; "" means stderr must be empty
		check      func(t *testing.T, e env)
	}{
		{
			name:       "install default scope is user",
			args:       func(e env) []string { return []string{"install"} },
			wantCode:   ExitOK,
			wantStdout: "Installed kernelspec gokernel in ",
			check: func(t *testing.T, e env) {
				checkFiles(t, filepath.Join(e.data, "kernels", "gokernel"))
			},
		},
		{
			name: "install --prefix with options",
			args: func(e env) []string {
				return []string{"install", "--prefix", e.prefix, "--name", "go2", "--display-name", "Go 2",
					"--env", "GOFLAGS=-tags=x", "--env", "EMPTY=", "--", "--verbose"}
			},
			wantCode:   ExitOK,
			wantStdout: "Installed kernelspec go2 in ",
			check: func(t *testing.T, e env) {
				dir := filepath.Join(e.prefix, "share", "jupyter", "kernels", "go2")
				var k KernelJSON
				raw, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(raw, &k); err != nil {
					t.Fatal(err)
				}
				if k.DisplayName != "Go 2" || !reflect.DeepEqual(k.Env, map[string]string{"GOFLAGS": "-tags=x", "EMPTY": ""}) {
					t.Errorf("kernel.json = %+v", k)
				}
				if want := []string{"kernel", "-f", "{connection_file}", "--verbose"}; !reflect.DeepEqual(k.Argv[1:], want) || !filepath.IsAbs(k.Argv[0]) {
					t.Errorf("argv = %q", k.Argv)
				}
			},
		},
		{
			name: "install --sys-prefix uses VIRTUAL_ENV",
			args: func(e env) []string { return []string{"install", "--sys-prefix"} },
			setup: func(t *testing.T, e env) {
				t.Setenv("VIRTUAL_ENV", e.prefix)
			},
			wantCode:   ExitOK,
			wantStdout: "kernels" + string(filepath.Separator) + "gokernel",
			check: func(t *testing.T, e env) {
				checkFiles(t, filepath.Join(e.prefix, "share", "jupyter", "kernels", "gokernel"))
			},
		},
		{
			name:       "uninstall default scope is user",
			args:       func(e env) []string { return []string{"uninstall"} },
			setup:      func(t *testing.T, e env) { mustInstall(t, Options{}) },
			wantCode:   ExitOK,
			wantStdout: "Removed kernelspec gokernel from ",
			check: func(t *testing.T, e env) {
				if _, err := os.Stat(filepath.Join(e.data, "kernels", "gokernel")); err == nil {
					t.Error("spec still present")
				}
			},
		},
		{
			name: "uninstall --prefix --name",
			args: func(e env) []string { return []string{"uninstall", "--prefix", e.prefix, "--name", "Go2"} },
			setup: func(t *testing.T, e env) {
				mustInstall(t, Options{Scope: Prefix, Prefix: e.prefix, Name: "go2"})
			},
			wantCode:   ExitOK,
			wantStdout: "Removed kernelspec go2 from ",
		},
		{
			name:       "uninstall when not installed",
			args:       func(e env) []string { return []string{"uninstall"} },
			wantCode:   ExitError,
			wantStderr: "gokernel uninstall: kernelspec: gokernel is not installed in ",
		},
		{
			name:       "--env without =",
			args:       func(e env) []string { return []string{"install", "--env", "FOO"} },
			wantCode:   ExitUsage,
			wantStderr: `invalid value "FOO" for flag -env: "FOO" is not of the form KEY=VALUE (missing '=')`,
		},
		{
			name:       "--env with empty key",
			args:       func(e env) []string { return []string{"install", "--env", "=x"} },
			wantCode:   ExitUsage,
			wantStderr: "empty variable name",
		},
		{
			name:       "bad name",
			args:       func(e env) []string { return []string{"install", "--name", "go/kernel"} },
			wantCode:   ExitUsage,
			wantStderr: `invalid kernel name "go/kernel"`,
		},
		{
			name:       "scopes are exclusive",
			args:       func(e env) []string { return []string{"install", "--user", "--prefix", e.prefix} },
			wantCode:   ExitUsage,
			wantStderr: "--prefix and --user are mutually exclusive",
		},
		{
			name:       "empty --prefix",
			args:       func(e env) []string { return []string{"uninstall", "--prefix="} },
			wantCode:   ExitUsage,
			wantStderr: "--prefix needs a directory",
		},
		{
			name:       "--user=false",
			args:       func(e env) []string { return []string{"install", "--user=false"} },
			wantCode:   ExitUsage,
			wantStderr: "--user=false is meaningless",
		},
		{
			name:       "unknown option",
			args:       func(e env) []string { return []string{"install", "--bogus"} },
			wantCode:   ExitUsage,
			wantStderr: "flag provided but not defined: -bogus",
		},
		{
			name:       "install-only option on uninstall",
			args:       func(e env) []string { return []string{"uninstall", "--display-name", "x"} },
			wantCode:   ExitUsage,
			wantStderr: "flag provided but not defined: -display-name",
		},
		{
			name:       "stray argument without --",
			args:       func(e env) []string { return []string{"install", "user"} },
			wantCode:   ExitUsage,
			wantStderr: `unexpected argument "user" (put extra kernel arguments after --)`,
		},
		{
			name:       "stray argument on uninstall",
			args:       func(e env) []string { return []string{"uninstall", "--", "x"} },
			wantCode:   ExitUsage,
			wantStderr: `gokernel uninstall: unexpected argument "x"`,
		},
		{
			name:       "help",
			args:       func(e env) []string { return []string{"install", "-h"} },
			wantCode:   ExitOK,
			wantStderr: "usage: gokernel install [--user | --sys-prefix | --prefix DIR]",
		},
		{
			name:       "no subcommand",
			args:       func(e env) []string { return nil },
			wantCode:   ExitUsage,
			wantStderr: "missing subcommand",
		},
		{
			name:       "unknown subcommand",
			args:       func(e env) []string { return []string{"list"} },
			wantCode:   ExitUsage,
			wantStderr: `unknown subcommand "list"`,
		},
		{
			name: "install failure is exit 1",
			args: func(e env) []string { return []string{"install", "--prefix", e.prefix} },
			setup: func(t *testing.T, e env) {
				// A file where the share directory should be.
				if err := os.WriteFile(filepath.Join(e.prefix, "share"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantCode:   ExitError,
			wantStderr: "gokernel install: kernelspec: create ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			e := env{data: filepath.Join(t.TempDir(), "data"), prefix: t.TempDir()}
			t.Setenv("JUPYTER_DATA_DIR", e.data)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			var stdout, stderr bytes.Buffer
			code := Main(tt.args(e), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			checkOut(t, "stdout", stdout.String(), tt.wantStdout)
			checkOut(t, "stderr", stderr.String(), tt.wantStderr)
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func checkOut(t *testing.T, which, got, want string) {
	t.Helper()
	if want == "" {
		if got != "" {
			t.Errorf("%s = %q, want empty", which, got)
		}
		return
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", which, got, want)
	}
}

func mustInstall(t *testing.T, opts Options) {
	t.Helper()
	if _, err := Install(opts); err != nil {
		t.Fatal(err)
	}
}
