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
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2/google"

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

// oauthServer is a real OAuth2/OpenID Connect authorization server (ory
// fosite, the engine inside Ory Hydra) on 127.0.0.1, standing in for Google.
// Its authorize endpoint signs in a fixed user and consents at once.
type oauthServer struct {
	t            testing.TB
	srv          *httptest.Server
	provider     fosite.OAuth2Provider
	clientID     string
	clientSecret string
	email        string

	mu        sync.Mutex
	decline   map[string]bool // scopes the "user" unticks on the consent screen
	secrets   []string        // every secret that crossed the token/revoke endpoints
	authQuery []url.Values    // every authorize request's parameters
	tokenReqs int
}

func newOAuthServer(t testing.TB) *oauthServer {
	t.Helper()
	s := &oauthServer{t: t, clientID: "test-client.apps.example.com", clientSecret: "client-secret-" + randHex(t), email: "alice@example.com", decline: map[string]bool{}}
	s.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + s.srv.Listener.Addr().String()
	cfg := &fosite.Config{
		GlobalSecret:               []byte("a-32-byte-global-secret-for-hmac"),
		EnforcePKCE:                true,
		RefreshTokenScopes:         []string{}, // Google-like: access_type=offline, no offline scope
		AccessTokenLifespan:        time.Hour,
		AuthorizeCodeLifespan:      5 * time.Minute,
		IDTokenLifespan:            time.Hour,
		IDTokenIssuer:              base,
		ScopeStrategy:              fosite.ExactScopeStrategy,
		HashCost:                   bcrypt.MinCost,
		SendDebugMessagesToClients: true,
	}
	store := storage.NewMemoryStore()
	hash, err := bcrypt.GenerateFromPassword([]byte(s.clientSecret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	store.Clients[s.clientID] = &fosite.DefaultClient{
		ID:            s.clientID,
		Secret:        hash,
		RedirectURIs:  []string{"http://127.0.0.1/"}, // any port, like Google's Desktop clients (RFC 8252)
		ResponseTypes: []string{"code"},
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		Scopes:        []string{"openid", ScopeBigQuery, ScopeCloudPlatform, ScopeDriveReadOnly, scopeUserinfoEmail},
	}
	s.provider = compose.ComposeAllEnabled(cfg, store, signingKey())
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", s.authorize)
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("/revoke", s.revoke)
	mux.HandleFunc("/api", s.api)
	s.srv.Config.Handler = mux
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func randHex(t testing.TB) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

func (s *oauthServer) session() *openid.DefaultSession {
	now := time.Now().UTC()
	return &openid.DefaultSession{
		Claims: &jwt.IDTokenClaims{
			Subject: "user-1", Issuer: s.srv.URL, AuthTime: now, RequestedAt: now,
			Extra: map[string]any{"email": s.email, "email_verified": true},
		},
		Headers: &jwt.Headers{},
		Subject: "user-1",
	}
}

func (s *oauthServer) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.mu.Lock()
	s.authQuery = append(s.authQuery, r.URL.Query())
	for _, sc := range ar.GetRequestedScopes() {
		if !s.decline[sc] {
			ar.GrantScope(sc)
		}
	}
	s.mu.Unlock()
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, s.session())
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// capture records the secrets in a request's form and in the response body.
type capture struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (c *capture) Write(b []byte) (int, error) { c.body.Write(b); return c.ResponseWriter.Write(b) }

func (s *oauthServer) remember(form url.Values, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"code", "code_verifier", "client_secret", "refresh_token", "token"} {
		if v := form.Get(k); v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
	var resp map[string]any
	if json.Unmarshal(body, &resp) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if v, _ := resp[k].(string); v != "" {
				s.secrets = append(s.secrets, v)
			}
		}
	}
}

func (s *oauthServer) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = r.ParseForm()
	cw := &capture{ResponseWriter: w}
	defer func() { s.remember(r.PostForm, cw.body.Bytes()) }()
	s.mu.Lock()
	s.tokenReqs++
	s.mu.Unlock()
	ar, err := s.provider.NewAccessRequest(ctx, r, openid.NewDefaultSession())
	if err != nil {
		s.provider.WriteAccessError(ctx, cw, ar, err)
		return
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.provider.WriteAccessError(ctx, cw, ar, err)
		return
	}
	s.provider.WriteAccessResponse(ctx, cw, ar, resp)
}

func (s *oauthServer) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = r.ParseForm()
	s.remember(r.PostForm, nil)
	err := s.provider.NewRevocationRequest(ctx, r)
	s.provider.WriteRevocationResponse(ctx, w, err)
}

// api is a protected resource: 200 only for a live access token.
func (s *oauthServer) api(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, _, err := s.provider.IntrospectToken(r.Context(), tok, fosite.AccessToken, openid.NewDefaultSession()); err != nil {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	fmt.Fprint(w, "ok")
}

// callAPI reports whether tok is accepted by the server.
func (s *oauthServer) callAPI(t testing.TB, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/api", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *oauthServer) allSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{s.clientSecret}, s.secrets...)
}

func (s *oauthServer) lastAuthQuery() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authQuery) == 0 {
		return nil
	}
	return s.authQuery[len(s.authQuery)-1]
}

// writeClientSecrets writes a Desktop-app client file pointing at s.
func (s *oauthServer) writeClientSecrets(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "client_secrets.json")
	data, _ := json.Marshal(map[string]any{"installed": map[string]any{
		"client_id": s.clientID, "client_secret": s.clientSecret,
		"auth_uri": s.srv.URL + "/auth", "token_uri": s.srv.URL + "/token", "revoke_uri": s.srv.URL + "/revoke",
		"redirect_uris": []string{"http://localhost"},
	}})
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// browse plays the user's browser: it opens authURL on the server, which
// signs in and consents at once. With follow it also follows the redirect to
// the kernel's loopback listener (browser on the kernel's machine) and
// returns nil; otherwise it returns the address the browser would land on
// (what a hosted-notebook user copies).
func (s *oauthServer) browse(t testing.TB, authURL string, follow bool) *url.URL {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var landed *url.URL
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != s.srv.Listener.Addr().String() && !follow {
			landed = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if follow {
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("browser landed on %s: %d %s", resp.Request.URL.Host, resp.StatusCode, body)
		}
		return nil
	}
	if landed == nil {
		t.Fatalf("authorize endpoint did not redirect: %d %s", resp.StatusCode, body)
	}
	return landed
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
	srv    *oauthServer
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
	e := &env{t: t, srv: newOAuthServer(t), dir: t.TempDir(), logs: &syncBuffer{}}
	e.getenv = map[string]string{"XDG_CONFIG_HOME": e.dir}
	e.srv.writeClientSecrets(t, filepath.Join(e.dir))
	if err := os.MkdirAll(filepath.Join(e.dir, "gokernel"), 0o700); err != nil {
		t.Fatal(err)
	}
	e.srv.writeClientSecrets(t, filepath.Join(e.dir, "gokernel"))
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
	landed := e.srv.browse(e.t, out.waitURL(e.t), false)
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
