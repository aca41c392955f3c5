package compiled

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the kernel's extract
// subcommand (Options.Extractor), as the kernel binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == ExtractCommand {
		os.Exit(ExtractMain(os.Args[2:], os.Stderr))
	}
	os.Exit(m.Run())
}

func TestWorkspaceDir(t *testing.T) {
	writable := t.TempDir()
	readOnly := t.TempDir()
	if err := os.Chmod(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(readOnly, 0o755) })
	tests := []struct {
		name, cwd, env string
		want           func(dir, note string) bool
	}{
		{"notebook directory", writable, "", func(dir, note string) bool {
			return dir == filepath.Join(writable, ".gokernel") && note == ""
		}},
		{"override", writable, "/somewhere/else", func(dir, note string) bool {
			return dir == "/somewhere/else" && strings.Contains(note, workspaceEnvVar)
		}},
		{"read-only notebook directory", readOnly, "", func(dir, note string) bool {
			// root can write anywhere: then the notebook directory is used.
			if os.Getuid() == 0 {
				return dir == filepath.Join(readOnly, ".gokernel")
			}
			return strings.Contains(dir, filepath.Join("gokernel", "workspaces")) && strings.Contains(note, "not writable")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(workspaceEnvVar, tt.env)
			dir, note, err := workspaceDir(tt.cwd)
			if err != nil || !tt.want(dir, note) {
				t.Errorf("workspaceDir(%s) = %q, %q, %v", tt.cwd, dir, note, err)
			}
		})
	}
}

func TestWorkspaceRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".gokernel")
	pins := map[string]string{"github.com/samber/lo": "v1.52.0", "github.com/google/uuid": "v1.6.0"}
	sums := []string{"github.com/samber/lo v1.52.0 h1:x=", "github.com/samber/lo v1.52.0/go.mod h1:y="}
	if err := writeWorkspace(dir, "1.26.8", pins, sums); err != nil {
		t.Fatal(err)
	}
	got, err := readPins(dir)
	if err != nil || !reflect.DeepEqual(got, pins) {
		t.Fatalf("readPins = %v, %v; want %v", got, err, pins)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil || string(sum) != strings.Join(sums, "\n")+"\n" {
		t.Errorf("go.sum = %q, %v", sum, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\nrequire github.com/a/b v1.bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readPins(dir); err == nil {
		t.Error("readPins accepted a bad version")
	}
}

func TestExplainGetAndGoMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go: example.com/x@latest: reading https://proxy/example.com/x/@v/list: 400 Bad Request", "no such module or version on the module proxy"},
		{"go: github.com/a/b@v9.9.9: invalid version: unknown revision v9.9.9", "no such module or version"},
		{"go: downloading github.com/a/b v1.0.0\ngo: something else broke", "something else broke"},
	}
	for _, tt := range tests {
		got := explainGet(tt.in)
		if !strings.Contains(got, tt.want) || strings.Contains(got, "go: downloading") {
			t.Errorf("explainGet(%q) = %q, want it to contain %q", tt.in, got, tt.want)
		}
	}
}

func TestGenericNames(t *testing.T) {
	dir := t.TempDir()
	src := "package p\nfunc Map[T, R any](xs []T, f func(T) R) []R { return nil }\nfunc Plain() {}\ntype Set[T comparable] map[T]bool\ntype Old int\nfunc (Old) M() {}\nfunc hidden[T any]() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := genericNames(dir, []string{"p.go"})
	want := map[string]bool{"Map": true, "Set": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("genericNames = %v, want %v", got, want)
	}
}

// TestLoadModulePackages fetches github.com/google/uuid (which the
// kernel also links) and github.com/samber/lo (generics; it needs an
// older golang.org/x/text than the test binary links) from the module
// proxy of go env, builds their symbol tables into a plugin and loads it,
// with the tier off for cells (modules do not need compiled cells).
func TestLoadModulePackages(t *testing.T) {
	nb := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tier := New(Options{Mode: Off, Dir: t.TempDir(), NotebookDir: nb, Extractor: []string{exe, ExtractCommand}})
	// A test binary's build info lists no modules: the modules of the
	// packages it links stand in.
	tier.hostMods = func() (map[string]hostMod, error) {
		out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", ".").Output()
		if err != nil {
			return nil, err
		}
		host := map[string]hostMod{}
		for _, line := range strings.Split(string(out), "\n") {
			if path, v, ok := strings.Cut(line, " "); ok {
				host[path] = hostMod{Path: path, Version: v}
			}
		}
		return host, nil
	}
	go tier.Start(context.Background())
	defer tier.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	syms, err := tier.LoadPackages(ctx, []string{"github.com/google/uuid", "github.com/samber/lo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	parse, ok := syms["github.com/google/uuid/uuid"]["MustParse"]
	if !ok {
		t.Fatalf("no uuid.MustParse in %v", keys(syms))
	}
	u := parse.Call([]reflect.Value{reflect.ValueOf("6ba7b810-9dad-11d1-80b4-00c04fd430c8")})[0]
	if s := u.Interface().(interface{ String() string }).String(); s != "6ba7b810-9dad-11d1-80b4-00c04fd430c8" {
		t.Errorf("uuid String() = %q", s)
	}
	if _, ok := syms["github.com/samber/lo/lo"]; !ok {
		t.Errorf("no lo symbols in %v", keys(syms))
	}
	if hint := tier.GenericHint("github.com/samber/lo", "Uniq"); !strings.Contains(hint, "lo.Uniq is generic") {
		t.Errorf("GenericHint(lo, Uniq) = %q", hint)
	}
	if !tier.hasPackage("github.com/samber/lo") || tier.hasPackage("github.com/samber/lo/mutable") {
		t.Error("HasPackage does not tell the loaded packages")
	}
	pins, err := readPins(filepath.Join(nb, ".gokernel"))
	if err != nil || pins["github.com/google/uuid"] != "v1.6.0" || !strings.HasPrefix(pins["github.com/samber/lo"], "v1.") {
		t.Errorf("notebook go.mod pins = %v, %v", pins, err)
	}
	if r := tier.modReport(ctx); !strings.Contains(r, filepath.Join(nb, ".gokernel", "go.mod")) || !strings.Contains(r, "github.com/samber/lo v1.") {
		t.Errorf("ModReport:\n%s", r)
	}
	// A module the proxy does not have: an error, and the session still works.
	if _, err := tier.LoadPackages(ctx, []string{"github.com/gokernel-tests-nonexistent/nothing"}, nil); err == nil || !strings.Contains(err.Error(), "no such module") {
		t.Errorf("unknown module: %v", err)
	}
	if _, err := tier.getModules(ctx, false, []string{"github.com/samber/lo@latest"}, nil); err != nil {
		t.Errorf("%%go get after a failure: %v", err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
