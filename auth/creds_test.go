package auth

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// activeSession returns the %auth user's session.
func activeSession(t *testing.T, m *Manager) *userSession {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.user == nil {
		t.Fatal("nobody signed in")
	}
	return m.user
}

// expire makes the session's access token look stale.
func expire(u *userSession) (refreshToken string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.tok.Expiry = time.Now().Add(-time.Minute)
	return u.tok.RefreshToken
}

func TestRefreshAndRotation(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	ts, err := e.m.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t1, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	u := activeSession(t, e.m)
	path := u.path
	before, _ := os.ReadFile(path)
	rt1 := expire(u)

	t2, err := ts.Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if t2.AccessToken == t1.AccessToken {
		t.Error("access token not refreshed")
	}
	if code := callAPI(t, e.srv, t2.AccessToken); code != 200 {
		t.Errorf("refreshed token refused: %d", code)
	}
	c, _, err := e.m.store.load("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if c.RefreshToken == rt1 || c.RefreshToken == "" {
		t.Errorf("rotated refresh token not saved (file unchanged: %v)", string(before) == mustRead(t, path))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode %v", fi.Mode().Perm())
	}
	// A new kernel starts from the file: the saved (rotated) token works.
	m2 := e.newManager()
	out := newRecOutput()
	out.noStdin = true
	if err := e.run(context.Background(), out, "%auth"); err != nil {
		t.Fatalf("reuse after rotation: %s", err.Value)
	}
	if stdout, _ := out.out(); !strings.Contains(stdout, "reusing the cached credential") {
		t.Errorf("stdout = %q", stdout)
	}
	ts2, _ := m2.TokenSource(context.Background())
	t3, err := ts2.Token()
	if err != nil || callAPI(t, e.srv, t3.AccessToken) != 200 {
		t.Fatalf("token after restart: %v", err)
	}
	// The file is Google's authorized_user format: Google's own library reads it.
	data, _ := os.ReadFile(path)
	gc, err := google.CredentialsFromJSONWithType(context.Background(), data, google.AuthorizedUser, ScopeBigQuery)
	if err != nil {
		t.Fatalf("google library cannot read the cache file: %v", err)
	}
	if gt, err := gc.TokenSource.Token(); err != nil || callAPI(t, e.srv, gt.AccessToken) != 200 {
		t.Fatalf("google library token from cache file: %v", err)
	}
	var raw map[string]any
	_ = json.Unmarshal(data, &raw)
	for _, k := range []string{"type", "client_id", "client_secret", "refresh_token", "scopes", "token_uri", "account"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("cache file lacks %q", k)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRevokedTokenIsSignInExpired(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	u := activeSession(t, e.m)
	rt := expire(u)
	resp, err := revoke(t, e.srv, rt)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, resp)
	}
	resp.Body.Close()
	// TokenSource itself fails: no token source is handed out that would
	// let a request go out without a token.
	ts, err := e.m.TokenSource(context.Background())
	if !errors.Is(err, ErrSignInExpired) || ts != nil {
		t.Fatalf("err = %v, want ErrSignInExpired", err)
	}
	if err.Error() != "your sign-in for alice@example.com expired: run %auth login" {
		t.Errorf("message = %q", err)
	}
	if _, err := u.Token(); !errors.Is(err, ErrSignInExpired) {
		t.Errorf("session token: %v", err)
	}
	// status says so, and %auth does not reuse the dead cached credential.
	out := newRecOutput()
	_ = e.run(context.Background(), out, "%auth status")
	if s, _ := out.out(); !strings.Contains(s, "Access token:    your sign-in for alice@example.com expired: run %auth login") {
		t.Errorf("status = %q", s)
	}
	e.newManager()
	out = newRecOutput()
	done := e.runAsync(context.Background(), out, "%auth")
	landed := browse(t, e.srv, out.waitURL(t))
	<-out.inInput
	out.answers <- inputAnswer{text: landed.String()}
	if err := waitDone(t, done); err != nil {
		t.Fatalf("re-login: %s", err.Value)
	}
	if _, stderr := out.out(); !strings.Contains(stderr, "has expired or was revoked; signing in again") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	u := activeSession(t, e.m)
	rt := expire(u)
	out := newRecOutput()
	if err := e.run(context.Background(), out, "%auth logout --revoke"); err != nil {
		t.Fatalf("logout: %s", err.Value)
	}
	if s, _ := out.out(); !strings.Contains(s, "Signed out of alice@example.com") || !strings.Contains(s, "revoked") {
		t.Errorf("stdout = %q", s)
	}
	if _, err := os.Stat(u.path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cache file still there: %v", err)
	}
	// The revoked refresh token is dead at the server.
	cfg := oauth2.Config{ClientID: e.srv.ClientID, ClientSecret: e.srv.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	if _, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt}).Token(); err == nil {
		t.Error("refresh token still works after logout --revoke")
	}
	// The old token source stops working and the kernel falls back.
	if _, err := u.Token(); err == nil {
		t.Error("token source of a logged-out user still works")
	}
	if !strings.HasPrefix(e.m.Who(), "Application Default Credentials") {
		t.Errorf("Who() after logout = %q", e.m.Who())
	}
	if err := e.run(context.Background(), newRecOutput(), "%auth logout"); err == nil || !strings.Contains(err.Value, "nothing to log out") {
		t.Errorf("second logout: %v", err)
	}
}

func TestStorePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "credentials")
	if err := os.MkdirAll(dir, 0o755); err != nil { // an old, too-open directory
		t.Fatal(err)
	}
	s := &credStore{dir: dir}
	c := &storedCredential{ClientID: "id", ClientSecret: "sec", RefreshToken: "rt", Account: "alice@example.com", Scopes: DefaultScopes()}
	p, err := s.save(c)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %04o, want 0600", fi.Mode().Perm())
	}
	tests := []struct {
		name string
		mode fs.FileMode
		ok   bool
	}{
		{"0600 accepted", 0o600, true},
		{"0400 accepted", 0o400, true},
		{"0644 refused", 0o644, false},
		{"0640 refused", 0o640, false},
		{"0604 refused", 0o604, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.load("alice@example.com")
			if tt.ok {
				if err != nil || got.RefreshToken != "rt" {
					t.Fatalf("load: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUnsafePermissions) || !strings.Contains(err.Error(), fmt.Sprintf("mode %04o", tt.mode)) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), "rt\"") || strings.Contains(err.Error(), "sec") {
				t.Error("error quotes the file")
			}
		})
	}
	t.Run("symlink refused", func(t *testing.T) {
		os.Chmod(p, 0o600)
		if err := os.Symlink(p, filepath.Join(dir, "bob@example.com.json")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.load("bob@example.com"); !errors.Is(err, ErrUnsafePermissions) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad account names", func(t *testing.T) {
		for _, a := range []string{"", "..", "../x", "a/b", ".hidden", tempPrefix + "x"} {
			if _, err := s.path(a); err == nil {
				t.Errorf("path(%q) accepted", a)
			}
		}
	})
	t.Run("refused through %auth use", func(t *testing.T) {
		e := newEnv(t)
		e.login(newRecOutput(), "%auth")
		p := activeSession(t, e.m).path
		os.Chmod(p, 0o644)
		e.newManager()
		out := newRecOutput()
		err := e.run(context.Background(), out, "%auth use alice@example.com")
		if err == nil || !strings.Contains(err.Value, "mode 0644") {
			t.Fatalf("use: %v", err)
		}
		// %auth without stdin does not silently use it either.
		out = newRecOutput()
		out.noStdin = true
		if err := e.run(context.Background(), out, "%auth"); err == nil {
			t.Fatal("an unsafe file was used")
		}
		if _, stderr := out.out(); !strings.Contains(stderr, "refusing to use it") {
			t.Errorf("stderr = %q", stderr)
		}
	})
}

// A crash mid-write must leave the old file valid: the new content is
// complete in a temp file before a rename replaces the old one.
func TestAtomicWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "credentials")
	s := &credStore{dir: dir}
	old := &storedCredential{ClientID: "id", ClientSecret: "sec", RefreshToken: "old-rt", Account: "alice@example.com", Scopes: DefaultScopes()}
	p, err := s.save(old)
	if err != nil {
		t.Fatal(err)
	}
	// A crash right before the rename: the temp file is written and left
	// behind; the real file must still be the complete old one.
	var tmpSeen string
	s.beforeRename = func(tmp string) error {
		tmpSeen = tmp
		if c, _, err := s.load("alice@example.com"); err != nil || c.RefreshToken != "old-rt" {
			t.Errorf("mid-write, the real file is not the old one: %v", err)
		}
		if fi, err := os.Stat(tmp); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("temp file mode: %v", err)
		}
		return errors.New("simulated crash")
	}
	if _, err := s.save(&storedCredential{ClientID: "id", RefreshToken: "new-rt", Account: "alice@example.com"}); err == nil {
		t.Fatal("save did not report the crash")
	}
	if c, _, err := s.load("alice@example.com"); err != nil || c.RefreshToken != "old-rt" {
		t.Fatalf("after crash: %v %+v", err, c)
	}
	// What a killed process leaves: a torn temp file. Readers ignore it.
	torn := filepath.Join(dir, tempPrefix+"alice@example.com-123")
	if err := os.WriteFile(torn, []byte(`{"type":"authorized_us`), 0o600); err != nil {
		t.Fatal(err)
	}
	old2 := time.Now().Add(-time.Hour)
	os.Chtimes(torn, old2, old2)
	list, err := s.list()
	if err != nil || len(list) != 1 || list[0].account != "alice@example.com" {
		t.Fatalf("list = %v, %v", list, err)
	}
	if c, _, err := s.load("alice@example.com"); err != nil || c.RefreshToken != "old-rt" {
		t.Fatalf("with torn temp file: %v", err)
	}
	// The next successful write replaces atomically and sweeps old temps.
	s.beforeRename = nil
	if _, err := s.save(&storedCredential{ClientID: "id", RefreshToken: "new-rt", Account: "alice@example.com"}); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := s.load("alice@example.com"); c.RefreshToken != "new-rt" {
		t.Error("new content not visible")
	}
	if _, err := os.Stat(torn); !errors.Is(err, fs.ErrNotExist) {
		t.Error("stale temp file not removed")
	}
	if tmpSeen == "" || filepath.Dir(tmpSeen) != dir {
		t.Errorf("temp file %q not in the credential directory (rename would not be atomic)", tmpSeen)
	}
	_ = p
}

func TestClientSecretsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	tests := []struct {
		name, content, wantErr string
	}{
		{"installed", `{"installed":{"client_id":"id","client_secret":"S3CR3T-VALUE","token_uri":"http://127.0.0.1:1/t"}}`, ""},
		{"web client", `{"web":{"client_id":"id","client_secret":"S3CR3T-VALUE"}}`, "Web application"},
		{"service account", `{"type":"service_account","private_key":"S3CR3T-VALUE"}`, "service-account key"},
		{"malformed", `{"installed":{"client_id":"id","client_secret":"S3CR3T-VALUE"`, "invalid JSON"},
		{"wrong type", `{"installed":{"client_id":5,"client_secret":"S3CR3T-VALUE"}}`, "malformed"},
		{"no client id", `{"installed":{"client_secret":"S3CR3T-VALUE"}}`, "no client_id"},
		{"other", `{"something":{}}`, "no \"installed\" section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(tt.name, " ", "_")+".json", tt.content)
			cs, err := loadClientSecrets(p, "/default/client_secrets.json")
			if tt.wantErr == "" {
				if err != nil || cs.AuthURI != googleAuthURL || cs.TokenURI != "http://127.0.0.1:1/t" {
					t.Fatalf("%v %+v", err, cs)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "Desktop app") {
				t.Fatalf("err = %v, want %q and instructions", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "S3CR3T") {
				t.Error("error quotes the secret")
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := loadClientSecrets(filepath.Join(dir, "nope.json"), "/default/client_secrets.json")
		if err == nil || !strings.Contains(err.Error(), "Create credentials") || !strings.Contains(err.Error(), "/default/client_secrets.json") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("path precedence", func(t *testing.T) {
		env := map[string]string{}
		get := func(k string) string { return env[k] }
		if got := clientSecretsPath("", get, "/cfg"); got != "/cfg/client_secrets.json" {
			t.Errorf("default = %q", got)
		}
		env["GOKERNEL_CLIENT_SECRETS"] = "/env.json"
		if got := clientSecretsPath("", get, "/cfg"); got != "/env.json" {
			t.Errorf("env = %q", got)
		}
		if got := clientSecretsPath("/flag.json", get, "/cfg"); got != "/flag.json" {
			t.Errorf("flag = %q", got)
		}
		if got := defaultConfigDir(func(k string) string { return map[string]string{"HOME": "/h"}[k] }); got != "/h/.config/gokernel" {
			t.Errorf("config dir = %q", got)
		}
		if got := defaultConfigDir(func(k string) string { return map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/x"}[k] }); got != "/x/gokernel" {
			t.Errorf("config dir = %q", got)
		}
	})
	t.Run("via magic: --client-secrets and env", func(t *testing.T) {
		e := newEnv(t)
		out := newRecOutput()
		if err := e.run(context.Background(), out, "%auth login --client-secrets /nonexistent/cs.json"); err == nil || !strings.Contains(err.Value, "/nonexistent/cs.json") {
			t.Errorf("flag: %v", err)
		}
		e.getenv["GOKERNEL_CLIENT_SECRETS"] = "/from/env.json"
		if err := e.run(context.Background(), out, "%auth login"); err == nil || !strings.Contains(err.Value, "/from/env.json") {
			t.Errorf("env: %v", err)
		}
	})
}

// writeServiceAccountKey writes a syntactically real service-account key.
func writeServiceAccountKey(t *testing.T, dir string, extra map[string]string) string {
	t.Helper()
	der, _ := x509.MarshalPKCS8PrivateKey(signingKey())
	key := map[string]string{
		"type": "service_account", "client_email": "sa@proj.iam.gserviceaccount.com", "project_id": "sa-proj",
		"private_key_id": "k1", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"token_uri": "http://127.0.0.1:1/token", "client_id": "123",
	}
	for k, v := range extra {
		key[k] = v
	}
	data, _ := json.Marshal(key)
	p := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Precedence: %auth user > %auth use adc|service-account > ADC.
// Not parallel: it sets GOOGLE_APPLICATION_CREDENTIALS for Google's real
// ADC lookup, which then never reaches the metadata server.
func TestPrecedence(t *testing.T) {
	e := newEnv(t)
	// An ADC file of gcloud's authorized_user kind, with a refresh token
	// from a real sign-in at the test server.
	e.login(newRecOutput(), "%auth login --no-cache")
	u := activeSession(t, e.m)
	adc := filepath.Join(e.dir, "adc.json")
	data, _ := json.Marshal(map[string]string{"type": "authorized_user", "client_id": e.srv.ClientID, "client_secret": e.srv.ClientSecret,
		"refresh_token": u.tok.RefreshToken, "quota_project_id": "adc-quota", "token_uri": e.srv.TokenURL()})
	os.WriteFile(adc, data, 0o600)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", adc)
	e.getenv["GOOGLE_APPLICATION_CREDENTIALS"] = adc
	e.getenv["GOOGLE_CLOUD_PROJECT"] = "env-proj"

	m := e.newManager(func(o *ManagerOptions) { o.FindDefaultCredentials = google.FindDefaultCredentials })
	if !strings.Contains(m.Who(), "not resolved yet") || m.Project() != "env-proj" {
		t.Errorf("before use: %q %q", m.Who(), m.Project())
	}
	ts, err := m.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil || callAPI(t, e.srv, tok.AccessToken) != 200 {
		t.Fatalf("ADC token: %v", err)
	}
	if w := m.Who(); !strings.Contains(w, "Application Default Credentials") || !strings.Contains(w, adc) {
		t.Errorf("ADC Who() = %q", w)
	}
	if m.Project() != "adc-quota" {
		t.Errorf("ADC Project() = %q, want the file's quota_project_id", m.Project())
	}

	steps := []struct {
		cell, wantWho, wantProject string
	}{
		{"%auth login --project user-proj", "alice@example.com (your Google account, via %auth)", "user-proj"},
		{"%auth use service-account " + writeServiceAccountKey(t, e.dir, nil), "service account sa@proj.iam.gserviceaccount.com (key file", "sa-proj"},
		{"%auth use alice@example.com", "alice@example.com (your Google account, via %auth)", "user-proj"},
		{"%auth use adc --project chosen", "(Application Default Credentials, $GOOGLE_APPLICATION_CREDENTIALS", "chosen"},
		{"%auth use alice@example.com", "alice@example.com (your Google account", "user-proj"},
		{"%auth logout", "(Application Default Credentials", "chosen"}, // explicit choice outlives the user
	}
	for _, st := range steps {
		out := newRecOutput()
		var err error
		if strings.HasPrefix(st.cell, "%auth login") {
			done := e.runAsync(context.Background(), out, st.cell)
			landed := browse(t, e.srv, out.waitURL(t))
			<-out.inInput
			out.answers <- inputAnswer{text: landed.String()}
			if ee := waitDone(t, done); ee != nil {
				err = ee
			}
		} else if ee := e.run(context.Background(), out, st.cell); ee != nil {
			err = ee
		}
		if err != nil {
			t.Fatalf("%s: %v", st.cell, err)
		}
		if w := m.Who(); !strings.Contains(w, st.wantWho) {
			t.Errorf("after %s: Who() = %q, want %q", st.cell, w, st.wantWho)
		}
		if p := m.Project(); p != st.wantProject {
			t.Errorf("after %s: Project() = %q, want %q", st.cell, p, st.wantProject)
		}
		if s, _ := out.out(); !strings.Contains(s, "now run as") {
			t.Errorf("after %s: active identity not printed: %q", st.cell, s)
		}
	}
}

// Other packages may ask for tokens while %auth switches identities.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if ts, err := e.m.TokenSource(context.Background()); err == nil {
					if u, ok := ts.(*userSession); ok && j%5 == 0 {
						expire(u)
					}
					_, _ = ts.Token()
				}
				_ = e.m.Who()
				_ = e.m.Project()
			}
		}()
	}
	for i := 0; i < 5; i++ {
		_ = e.run(context.Background(), newRecOutput(), "%auth status")
		_ = e.run(context.Background(), newRecOutput(), "%auth use alice@example.com")
	}
	wg.Wait()
}

var _ Credentials = (*Manager)(nil)

// A token source handed out before a new sign-in of the same account (e.g.
// after "your sign-in expired") follows the new credential.
func TestTokenSourceFollowsReLogin(t *testing.T) {
	e := newEnv(t)
	e.login(newRecOutput(), "%auth")
	ts, _ := e.m.TokenSource(context.Background())
	u := activeSession(t, e.m)
	rt := expire(u)
	resp, err := revoke(t, e.srv, rt)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := ts.Token(); !errors.Is(err, ErrSignInExpired) {
		t.Fatalf("err = %v", err)
	}
	before := e.srv.TokenRequests()
	if _, err := ts.Token(); !errors.Is(err, ErrSignInExpired) || e.srv.TokenRequests() != before {
		t.Errorf("a known-dead token was sent to the server again (%v)", err)
	}
	e.login(newRecOutput(), "%auth login --force")
	tok, err := ts.Token()
	if err != nil || callAPI(t, e.srv, tok.AccessToken) != 200 {
		t.Fatalf("old token source after re-login: %v", err)
	}
}
