package auth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// gcloudStandin builds internal/oauthtest/cmd/gcloudstandin as an
// executable named gcloud, once per test binary.
var gcloudStandin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gcloud-standin-")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "gcloud")
	out, err := exec.Command("go", "build", "-o", p, "github.com/gokernel/gokernel/internal/oauthtest/cmd/gcloudstandin").CombinedOutput()
	if err != nil {
		return "", &exec.ExitError{Stderr: out}
	}
	return p, nil
})

// gcloudEnv is a test kernel plus a stand-in gcloud signed in (with a real
// authorization-code flow at the test server) as carol and dave.
func gcloudEnv(t *testing.T, reuse time.Duration) (*env, string, string) {
	t.Helper()
	bin, err := gcloudStandin()
	if err != nil {
		t.Fatalf("building the gcloud stand-in: %v", err)
	}
	cfg := t.TempDir()
	t.Setenv("CLOUDSDK_CONFIG", cfg)
	opt := func(o *ManagerOptions) { o.GcloudCommand, o.GcloudTokenReuse = bin, reuse }
	e := newEnv(t, opt)
	cs := filepath.Join(e.dir, "client_secrets.json")
	for _, acct := range []string{"dave@example.com", "carol@example.com"} {
		if out, err := exec.Command(bin, "auth", "login", acct, "--client-id-file", cs).CombinedOutput(); err != nil {
			t.Fatalf("stand-in login: %v %s", err, out)
		}
	}
	return e, bin, cfg
}

func standinRuns(t *testing.T, cfg, what string) int {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(cfg, "standin.log"))
	return strings.Count(string(data), what)
}

func TestUseGcloud(t *testing.T) {
	const reuse = 2 * time.Second
	e, bin, cfg := gcloudEnv(t, reuse)
	opt := func(o *ManagerOptions) { o.GcloudCommand, o.GcloudTokenReuse = bin, reuse }
	s := runOK(t, e, "%auth use gcloud")
	if !strings.Contains(s, "now run as carol@example.com (gcloud CLI, via %auth use gcloud)") || !strings.Contains(s, "Later kernels start with this identity too") {
		t.Errorf("use gcloud: %s", s)
	}
	tok := tokenOf(t, e.m)
	if in := introspect(t, e.srv, tok); in["active"] != true || in["username"] != "carol@example.com" {
		t.Fatalf("gcloud token at the server: %v", in)
	}
	st := runOK(t, e, "%auth status")
	for _, want := range []string{"Type:            gcloud", "Source:          " + bin + " auth print-access-token", "Chosen by:       %auth use in this kernel", "Access token:    from gcloud at"} {
		if !strings.Contains(st, want) {
			t.Errorf("status lacks %q:\n%s", want, st)
		}
	}
	if strings.Contains(st, tok) {
		t.Error("status shows the token")
	}
	// Reused while fresh, asked again once the reuse window is over.
	fresh := tokenOf(t, e.m)
	before := standinRuns(t, cfg, "print-access-token")
	if tokenOf(t, e.m) != fresh || standinRuns(t, cfg, "print-access-token") != before {
		t.Error("a fresh gcloud token was not reused")
	}
	time.Sleep(reuse + 100*time.Millisecond)
	tok2 := tokenOf(t, e.m)
	if tok2 == fresh || standinRuns(t, cfg, "print-access-token") != before+1 {
		t.Errorf("gcloud was not asked again near expiry (runs %d -> %d)", before, standinRuns(t, cfg, "print-access-token"))
	}
	if in := introspect(t, e.srv, tok2); in["active"] != true || in["username"] != "carol@example.com" {
		t.Errorf("second gcloud token: %v", in)
	}

	// --account, remembered for the next kernel.
	runOK(t, e, "%auth use gcloud --account dave@example.com")
	m2 := e.newKernel(opt)
	if in := introspect(t, e.srv, tokenOf(t, m2)); in["username"] != "dave@example.com" {
		t.Errorf("next kernel after use gcloud --account: %v", in)
	}
	if st := runOK(t, e, "%auth status"); !strings.Contains(st, "Chosen by:       %auth use in an earlier kernel") || !strings.Contains(st, "--account dave@example.com") {
		t.Errorf("status in the next kernel:\n%s", st)
	}
	if strings.Contains(e.logs.String(), tok) || strings.Contains(e.logs.String(), tok2) {
		t.Error("a gcloud token in the log")
	}
}

func TestUseGcloudErrors(t *testing.T) {
	e, _, _ := gcloudEnv(t, time.Minute)
	e.newKernel(func(o *ManagerOptions) { o.GcloudCommand = "gcloud-is-not-installed-here" })
	out := newRecOutput()
	err := e.run(context.Background(), out, "%auth use gcloud")
	if err == nil || !strings.Contains(err.Value, "needs the Google Cloud CLI") || !strings.Contains(err.Value, "not found on $PATH") {
		t.Fatalf("missing gcloud: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(e.dir, "gokernel", choiceFileName)); statErr == nil {
		t.Error("a failed %auth use gcloud was remembered")
	}
	bin, _ := gcloudStandin()
	e.newKernel(func(o *ManagerOptions) { o.GcloudCommand = bin })
	err = e.run(context.Background(), newRecOutput(), "%auth use gcloud --account nobody@example.com")
	if err == nil || !strings.Contains(err.Value, "print-access-token --account nobody@example.com failed") || !strings.Contains(err.Value, "gcloud auth login") {
		t.Fatalf("account gcloud does not have: %v", err)
	}
	if err := e.run(context.Background(), newRecOutput(), "%auth use gcloud --drive"); err == nil || !strings.Contains(err.Value, "--drive does not apply") {
		t.Errorf("--drive: %v", err)
	}
}
