package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/google"

	"github.com/gokernel/gokernel/internal/oauthtest"
	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// signingKey is shared by every test server: RSA generation is the slowest
// part of starting one, and tests never compare keys.
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// newOAuthServer starts an oauthtest server (ory fosite on 127.0.0.1)
// standing in for Google. The client may ask only for the scopes %auth
// asks for; the signed-in user is alice@example.com.
func newOAuthServer(t testing.TB, opts oauthtest.Options) *oauthtest.Server {
	t.Helper()
	if opts.Scopes == nil {
		opts.Scopes = []string{"openid", ScopeBigQuery, ScopeCloudPlatform, ScopeDriveReadOnly, scopeUserinfoEmail}
	}
	if opts.SigningKey == nil {
		opts.SigningKey = signingKey()
	}
	s, err := oauthtest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func randHex(t testing.TB) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

// callAPI returns the status of a call to the server's protected resource:
// 200 only for a live access token.
func callAPI(t testing.TB, s *oauthtest.Server, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.UserinfoURL(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// revoke revokes tok at the server (RFC 7009).
func revoke(t testing.TB, s *oauthtest.Server, tok string) (*http.Response, error) {
	t.Helper()
	return http.PostForm(s.RevokeURL(), url.Values{"token": {tok}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
}

// lastAuthQuery is the query of the latest authorize request.
func lastAuthQuery(s *oauthtest.Server) url.Values {
	q := s.AuthorizeRequests()
	if len(q) == 0 {
		return nil
	}
	return q[len(q)-1]
}

// browse plays the user's browser: it opens authURL on the server, which
// signs in and consents at once, and returns the address the browser would
// land on (what a hosted-notebook user copies).
func browse(t testing.TB, s *oauthtest.Server, authURL string) *url.URL {
	t.Helper()
	landed, err := s.Authorize(context.Background(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	return landed
}

// browseLocal is browse for a browser on the kernel's machine: it also
// follows the redirect to the kernel's loopback listener.
func browseLocal(t testing.TB, s *oauthtest.Server, authURL string) {
	t.Helper()
	landed := browse(t, s, authURL)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(landed.String())
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("browser landed on %s: %d %s", resp.Request.URL.Host, resp.StatusCode, body)
	}
}

// writeClientSecrets writes a Desktop-app client file pointing at s.
func writeClientSecrets(t testing.TB, s *oauthtest.Server, dir string) string {
	t.Helper()
	p, err := s.WriteClientSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recOutput is a kernel.Output that records every call and answers Input
// from a channel, like a front end with a user at the keyboard.
type recOutput struct {
	noStdin bool
	answers chan inputAnswer
	shown   chan string // authorization URLs as they are displayed

	mu        sync.Mutex
	calls     []string // every Output call, JSON-encoded
	stdout    strings.Builder
	stderr    strings.Builder
	prompts   []string
	passwords []bool
	cancelled int // Input calls that ended because their ctx ended
	inInput   chan struct{}
}

type inputAnswer struct {
	text string
	err  error
}

func newRecOutput() *recOutput {
	return &recOutput{answers: make(chan inputAnswer, 1), shown: make(chan string, 4), inInput: make(chan struct{}, 4)}
}

func (o *recOutput) record(kind string, v any) {
	b, _ := json.Marshal(v)
	o.calls = append(o.calls, kind+" "+string(b))
}

func (o *recOutput) Stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.record("stream", map[string]string{"name": name, "text": text})
	if name == "stderr" {
		o.stderr.WriteString(text)
	} else {
		o.stdout.WriteString(text)
	}
}

func (o *recOutput) Display(d kernel.Display) {
	o.mu.Lock()
	o.record("display", d)
	o.mu.Unlock()
	if s, ok := d.Data["text/plain"].(string); ok && strings.HasPrefix(s, "Sign in with Google: ") {
		u, _, _ := strings.Cut(strings.TrimPrefix(s, "Sign in with Google: "), "\n")
		o.shown <- u
	}
}

func (o *recOutput) ClearOutput(wait bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.record("clear_output", wait)
}

func (o *recOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	o.mu.Lock()
	o.record("input_request", map[string]any{"prompt": prompt, "password": password})
	o.prompts = append(o.prompts, prompt)
	o.passwords = append(o.passwords, password)
	o.mu.Unlock()
	if o.noStdin {
		return "", errors.New("the front end does not accept input (allow_stdin is false)")
	}
	o.inInput <- struct{}{}
	select {
	case a := <-o.answers:
		return a.text, a.err
	case <-ctx.Done():
		o.mu.Lock()
		o.cancelled++
		o.mu.Unlock()
		return "", ctx.Err()
	}
}

func (o *recOutput) out() (string, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stdout.String(), o.stderr.String()
}

func (o *recOutput) allCalls() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.calls, "\n")
}

// waitURL returns the next displayed sign-in link.
func (o *recOutput) waitURL(t testing.TB) string {
	t.Helper()
	select {
	case u := <-o.shown:
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no sign-in link was displayed")
		return ""
	}
}

// env is one test's kernel: a fosite server, a config dir and a Manager.
type env struct {
	t      testing.TB
	srv    *oauthtest.Server
	dir    string
	m      *Manager
	reg    *magics.Registry
	logs   *syncBuffer
	getenv map[string]string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t testing.TB, opt ...func(*ManagerOptions)) *env {
	t.Helper()
	return newEnvServer(t, oauthtest.Options{}, opt...)
}

// newEnvServer is newEnv with a server configured by so.
func newEnvServer(t testing.TB, so oauthtest.Options, opt ...func(*ManagerOptions)) *env {
	t.Helper()
	e := &env{t: t, srv: newOAuthServer(t, so), dir: t.TempDir(), logs: &syncBuffer{}}
	e.getenv = map[string]string{"XDG_CONFIG_HOME": e.dir}
	writeClientSecrets(t, e.srv, e.dir)
	if err := os.MkdirAll(filepath.Join(e.dir, "gokernel"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeClientSecrets(t, e.srv, filepath.Join(e.dir, "gokernel"))
	e.m = e.newManager(opt...)
	return e
}

func (e *env) newManager(opt ...func(*ManagerOptions)) *Manager {
	opts := ManagerOptions{
		Getenv: func(k string) string { return e.getenv[k] },
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		FindDefaultCredentials: func(context.Context, ...string) (*google.Credentials, error) {
			return nil, errors.New("no ADC in this test")
		},
	}
	for _, o := range opt {
		o(&opts)
	}
	m := NewManager(opts)
	e.reg = magics.NewRegistry()
	e.reg.Register(NewMagic(m))
	return m
}

// run executes a %auth cell and returns the cell's error, if any.
func (e *env) run(ctx context.Context, out *recOutput, code string) *kernel.EvalError {
	e.t.Helper()
	res, err := e.reg.Run(ctx, code, magics.Env{Out: out, AllowStdin: !out.noStdin})
	if err != nil {
		e.t.Fatalf("registry: %v", err)
	}
	return res.Error
}

// runAsync starts a cell and returns a channel with its outcome.
func (e *env) runAsync(ctx context.Context, out *recOutput, code string) <-chan *kernel.EvalError {
	ch := make(chan *kernel.EvalError, 1)
	go func() {
		res, _ := e.reg.Run(ctx, code, magics.Env{Out: out, AllowStdin: !out.noStdin})
		ch <- res.Error
	}()
	return ch
}

func waitDone(t testing.TB, ch <-chan *kernel.EvalError) *kernel.EvalError {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("cell did not finish")
		return nil
	}
}

// login signs in through the paste path and fails the test on error.
func (e *env) login(out *recOutput, code string) {
	e.t.Helper()
	done := e.runAsync(context.Background(), out, code)
	landed := browse(e.t, e.srv, out.waitURL(e.t))
	<-out.inInput
	out.answers <- inputAnswer{text: landed.String()}
	if err := waitDone(e.t, done); err != nil {
		e.t.Fatalf("%s: %v", code, err.Value)
	}
}

// listenerClosed reports whether nothing listens at u's host any more.
func listenerClosed(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	ru, err := url.Parse(p.Query().Get("redirect_uri"))
	if err != nil {
		return false
	}
	c, err := net.DialTimeout("tcp", ru.Host, time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}
