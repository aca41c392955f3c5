package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/gokernel/gokernel/internal/oauthtest"
)

func TestSelectIdentityRules(t *testing.T) {
	user := func(a string) *rememberedChoice { return &rememberedChoice{Kind: choiceUser, Account: a} }
	tests := []struct {
		name       string
		choice     *rememberedChoice
		cached     []string
		wantKind   string
		wantAcct   string
		wantOrigin string
		wantErr    []string // substrings; nil means no error
	}{
		{name: "nothing cached, nothing chosen: implicit ADC", wantKind: ""},
		{name: "one cached account", cached: []string{"alice@example.com"}, wantKind: choiceUser, wantAcct: "alice@example.com", wantOrigin: originOnly},
		{name: "several cached, no choice: no guessing", cached: []string{"bob@example.com", "alice@example.com"},
			wantErr: []string{"several Google accounts are cached (alice@example.com, bob@example.com)", "%auth use EMAIL", "%auth use adc"}},
		{name: "remembered choice among several", choice: user("bob@example.com"), cached: []string{"alice@example.com", "bob@example.com"},
			wantKind: choiceUser, wantAcct: "bob@example.com", wantOrigin: originRemembered},
		{name: "remembered choice beats the only other account", choice: user("bob@example.com"), cached: []string{"alice@example.com"},
			wantErr: []string{"you chose bob@example.com", "no longer in /cache", "%auth login --account bob@example.com"}},
		{name: "remembered choice, nothing cached", choice: user("bob@example.com"), wantErr: []string{"you chose bob@example.com"}},
		{name: "remembered adc outranks cached accounts", choice: &rememberedChoice{Kind: choiceADC}, cached: []string{"alice@example.com"},
			wantKind: choiceADC, wantOrigin: originRemembered},
		{name: "remembered adc, nothing cached", choice: &rememberedChoice{Kind: choiceADC}, wantKind: choiceADC, wantOrigin: originRemembered},
		{name: "remembered gcloud", choice: &rememberedChoice{Kind: choiceGcloud, Account: "carol@example.com"}, cached: []string{"a@x", "b@x"},
			wantKind: choiceGcloud, wantOrigin: originRemembered},
		{name: "remembered service account", choice: &rememberedChoice{Kind: choiceServiceAccount, KeyFile: "/k.json"},
			wantKind: choiceServiceAccount, wantOrigin: originRemembered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := selectIdentity(tt.choice, tt.cached, "/cache")
			if tt.wantErr != nil {
				if sel.err == nil {
					t.Fatalf("no error; selected %+v", sel)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(sel.err.Error(), w) {
						t.Errorf("error %q lacks %q", sel.err, w)
					}
				}
				return
			}
			if sel.err != nil {
				t.Fatalf("error: %v", sel.err)
			}
			if sel.kind != tt.wantKind || sel.account != tt.wantAcct || sel.origin != tt.wantOrigin {
				t.Errorf("selected kind=%q account=%q origin=%q, want %q %q %q", sel.kind, sel.account, sel.origin, tt.wantKind, tt.wantAcct, tt.wantOrigin)
			}
		})
	}
}

func TestChoiceFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "gokernel", choiceFileName)
	if c, err := loadChoice(p); c != nil || err != nil {
		t.Fatalf("no file: %v %v", c, err)
	}
	if err := saveChoice(p, &rememberedChoice{Kind: choiceADC, Project: "p"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(p)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o", fi.Mode().Perm())
	}
	if c, err := loadChoice(p); err != nil || c.Kind != choiceADC || c.Project != "p" || c.ChosenAt.IsZero() {
		t.Fatalf("round trip: %+v %v", c, err)
	}
	for _, bad := range []string{`{"kind":`, `{"kind":"wizard"}`, `{"kind":"user"}`, `{"kind":"service-account"}`} {
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := loadChoice(p); err == nil || !strings.Contains(err.Error(), "%auth use") {
			t.Errorf("%s: err = %v, want an error saying how to choose again", bad, err)
		}
	}
}

// newKernel is another kernel on the same machine: a fresh Manager on the
// same config directory (nothing shared but the files).
func (e *env) newKernel(opt ...func(*ManagerOptions)) *Manager {
	return e.newManager(opt...)
}

func runOK(t *testing.T, e *env, code string) string {
	t.Helper()
	out := newRecOutput()
	out.noStdin = true
	if err := e.run(context.Background(), out, code); err != nil {
		t.Fatalf("%s: %s", code, err.Value)
	}
	s, _ := out.out()
	return s
}

func tokenOf(t *testing.T, m *Manager) string {
	t.Helper()
	ts, err := m.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// introspect asks the server whose an access or refresh token is.
func introspect(t *testing.T, s *oauthtest.Server, tok string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.IntrospectURL(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

// A sign-in in one kernel is the identity of the next, with no cell run:
// the first Google call takes it from the cache.
func TestCachedSignInIsNextKernelsIdentity(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	m2 := e.newKernel()
	tok := tokenOf(t, m2)
	if in := introspect(t, e.srv, tok); in["active"] != true || in["username"] != "alice@example.com" {
		t.Fatalf("the second kernel's token: %v", in)
	}
	if w := m2.Who(); w != "alice@example.com (your Google account, via %auth)" {
		t.Errorf("Who() = %q", w)
	}
	s := runOK(t, e, "%auth status")
	for _, want := range []string{"Active identity: alice@example.com", "Chosen by:       the sign-in cache: the account last chosen", "identity.json"} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
	// Without the remembered choice, the only cached account is taken.
	os.Remove(filepath.Join(e.dir, "gokernel", choiceFileName))
	m3 := e.newKernel()
	_ = tokenOf(t, m3)
	if s := runOK(t, e, "%auth status"); !strings.Contains(s, "Chosen by:       the sign-in cache: the only cached account") {
		t.Errorf("status:\n%s", s)
	}
}

// Several accounts cached and no choice: status and the first call say so
// and list them; %auth use EMAIL picks one and later kernels keep it.
func TestSeveralCachedAccounts(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth login --account alice@example.com")
	e.login(newRecOutput(), "%auth login --account bob@example.com --force")
	os.Remove(filepath.Join(e.dir, "gokernel", choiceFileName))

	m := e.newKernel()
	_, err := m.TokenSource(context.Background())
	var amb *ambiguousError
	if !errors.As(err, &amb) || !strings.Contains(err.Error(), "alice@example.com, bob@example.com") {
		t.Fatalf("TokenSource: %v", err)
	}
	if errors.Is(err, ErrNoIdentity) {
		t.Error("ambiguity must not look like no identity (callers would go on unauthenticated)")
	}
	s := runOK(t, e, "%auth status")
	if !strings.Contains(s, "Active identity: none") || !strings.Contains(s, "several Google accounts are cached (alice@example.com, bob@example.com)") {
		t.Errorf("status:\n%s", s)
	}
	runOK(t, e, "%auth use bob@example.com")
	if in := introspect(t, e.srv, tokenOf(t, m)); in["username"] != "bob@example.com" {
		t.Errorf("after use: %v", in)
	}
	m2 := e.newKernel()
	if in := introspect(t, e.srv, tokenOf(t, m2)); in["username"] != "bob@example.com" {
		t.Errorf("next kernel after use: %v", in)
	}
	// %auth login with no --account takes the remembered one, no browser.
	e.newKernel()
	if s := runOK(t, e, "%auth"); !strings.Contains(s, "Signed in as bob@example.com (reusing the cached credential") {
		t.Errorf("%%auth: %s", s)
	}
}

// %auth use adc is remembered: later kernels use ADC even with an account
// cached; the choice outranks the cache.
func TestRememberedADC(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	adcCalls := 0
	withADC := func(o *ManagerOptions) {
		o.FindDefaultCredentials = func(ctx context.Context, scopes ...string) (*google.Credentials, error) {
			adcCalls++
			return &google.Credentials{ProjectID: "vm-proj", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "adc-token"})}, nil
		}
	}
	e.newKernel(withADC)
	runOK(t, e, "%auth use adc --project chosen")
	m2 := e.newKernel(withADC)
	if !strings.Contains(m2.Who(), "chosen with %auth use adc in an earlier kernel; not resolved yet") {
		t.Errorf("Who() before the first call = %q", m2.Who())
	}
	if tok := tokenOf(t, m2); tok != "adc-token" {
		t.Errorf("token = %q, want ADC's", tok)
	}
	if m2.Project() != "chosen" {
		t.Errorf("Project() = %q", m2.Project())
	}
	s := runOK(t, e, "%auth status")
	if !strings.Contains(s, "Chosen by:       %auth use in an earlier kernel") || !strings.Contains(s, "Type:            Application Default Credentials") {
		t.Errorf("status:\n%s", s)
	}
	if adcCalls < 2 {
		t.Errorf("ADC resolved %d times", adcCalls)
	}
}

// logout --revoke works from a kernel that never signed the account in.
func TestLogoutFromAnotherKernel(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	a := e.m
	tokA := tokenOf(t, a)
	path := activeSession(t, a).path

	e.newKernel()
	s := runOK(t, e, "%auth logout --revoke")
	if !strings.Contains(s, "Signed out of alice@example.com; its cached credential was deleted; the token was revoked at the server") {
		t.Errorf("logout: %s", s)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("credential file still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "gokernel", choiceFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the choice of a logged-out account is still remembered: %v", err)
	}
	if in := introspect(t, e.srv, tokA); in["active"] != false {
		t.Errorf("kernel A's access token still active after revoke: %v", in)
	}
	// Kernel A notices: its session is signed out, not silently something else.
	if _, err := a.TokenSource(context.Background()); err == nil || !strings.Contains(err.Error(), "signed out") {
		t.Errorf("kernel A after logout elsewhere: %v", err)
	}
	// Named account from a fresh kernel too.
	e.login(newRecOutput(), "%auth login --force")
	e.newKernel()
	if s := runOK(t, e, "%auth logout alice@example.com"); !strings.Contains(s, "Signed out of alice@example.com; its cached credential was deleted") {
		t.Errorf("named logout: %s", s)
	}
}

// An expired or revoked cached sign-in is an error naming the account, in
// every later kernel, and never Application Default Credentials instead.
func TestExpiredCachedSignInNoFallback(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	rt := activeSession(t, e.m).tok.RefreshToken
	resp, err := revoke(t, e.srv, rt)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	adcUsed := false
	m := e.newKernel(func(o *ManagerOptions) {
		o.FindDefaultCredentials = func(context.Context, ...string) (*google.Credentials, error) {
			adcUsed = true
			return &google.Credentials{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "vm-sa"})}, nil
		}
	})
	for i := 0; i < 2; i++ {
		ts, err := m.TokenSource(context.Background())
		if ts != nil || !errors.Is(err, ErrSignInExpired) || err.Error() != "your sign-in for alice@example.com expired: run %auth login" {
			t.Fatalf("call %d: ts=%v err=%v", i, ts, err)
		}
	}
	if adcUsed {
		t.Error("ADC was consulted for an expired sign-in")
	}
	if s := runOK(t, e, "%auth status"); !strings.Contains(s, "your sign-in for alice@example.com expired") {
		t.Errorf("status:\n%s", s)
	}
}

// Two kernels share one cached credential while the server rotates the
// refresh token on every refresh (and revokes the whole grant when a
// retired refresh token is used again): both keep working, alternately and
// concurrently, and the file ends with a live refresh token.
func TestTwoKernelsShareRotatingCredential(t *testing.T) {
	// Access tokens shorter than oauth2's 10 s expiry margin: every token
	// request is a refresh.
	e := newEnvServer(t, oauthtest.Options{AccessTokenLifespan: 2 * time.Second})
	e.login(newRecOutput(), "%auth")
	a, b := e.m, e.newKernel()
	path := activeSession(t, a).path
	seen := map[string]bool{}
	for i := 0; i < 6; i++ {
		for name, m := range map[string]*Manager{"A": a, "B": b} {
			tok := tokenOf(t, m)
			if in := introspect(t, e.srv, tok); in["active"] != true || in["username"] != "alice@example.com" {
				t.Fatalf("round %d kernel %s: %v", i, name, in)
			}
			c, _, err := b.store.load("alice@example.com")
			if err != nil {
				t.Fatal(err)
			}
			seen[c.RefreshToken] = true
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct refresh tokens in the file over 12 refreshes: not rotating?", len(seen))
	}
	// Concurrently: 2 kernels x 4 goroutines.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for _, m := range []*Manager{a, b} {
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 3; j++ {
					ts, err := m.TokenSource(context.Background())
					if err == nil {
						_, err = ts.Token()
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent refresh: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c storedCredential
	_ = json.Unmarshal(data, &c)
	if in := introspect(t, e.srv, c.RefreshToken); in["active"] != true {
		t.Errorf("the file's refresh token is not live: %v", in)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o", fi.Mode().Perm())
	}
	if strings.Contains(e.logs.String(), c.RefreshToken) {
		t.Error("a refresh token in the log")
	}
}

// A kernel running on implicit ADC (nothing cached or chosen) switches to
// a sign-in made in another kernel at its next call.
func TestImplicitADCYieldsToLaterSignIn(t *testing.T) {
	e := newEnv(t)
	adc := func(o *ManagerOptions) {
		o.FindDefaultCredentials = func(context.Context, ...string) (*google.Credentials, error) {
			return &google.Credentials{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "vm-sa"})}, nil
		}
	}
	early := e.newKernel(adc)
	if tok := tokenOf(t, early); tok != "vm-sa" {
		t.Fatalf("before any sign-in: %q", tok)
	}
	e.newKernel()
	e.login(newRecOutput(), "%auth")
	if in := introspect(t, e.srv, tokenOf(t, early)); in["username"] != "alice@example.com" {
		t.Errorf("the earlier kernel after a sign-in elsewhere: %v", in)
	}
}

// BenchmarkFirstCallSelection is the cost the lasting identity adds to a
// kernel's first Google call (not to its start): reading identity.json,
// listing credentials/ and loading the chosen file.
func BenchmarkFirstCallSelection(b *testing.B) {
	e := newEnv(b)
	c := &storedCredential{ClientID: "id", ClientSecret: "s", RefreshToken: "rt", Account: "alice@example.com", Scopes: DefaultScopes()}
	if _, err := e.m.store.save(c); err != nil {
		b.Fatal(err)
	}
	if err := saveChoice(e.m.choicePath(), &rememberedChoice{Kind: choiceUser, Account: "alice@example.com"}); err != nil {
		b.Fatal(err)
	}
	opts := e.m.opts
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := NewManager(opts)
		if err := m.ensureSelected(context.Background(), false); err != nil || m.user == nil {
			b.Fatal(err)
		}
	}
}
