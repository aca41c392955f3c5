package auth

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gokernel/gokernel/internal/oauthtest"
)

// The browser runs on the kernel's machine: it follows the redirect to the
// loopback listener, and the flow completes without any paste; the pending
// prompt is withdrawn.
func TestLoginLocalBrowser(t *testing.T) {
	e := newEnv(t)
	out := newRecOutput()
	start := time.Now()
	done := e.runAsync(context.Background(), out, "%auth")
	authURL := out.waitURL(t)
	<-out.inInput // the prompt is up at the same time as the listener
	browseLocal(t, e.srv, authURL)
	if err := waitDone(t, done); err != nil {
		t.Fatalf("login: %s", err.Value)
	}
	t.Logf("login round trip (local browser) against fosite: %v", time.Since(start))

	q := lastAuthQuery(e.srv)
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("access_type") != "offline" || len(q.Get("state")) < 40 {
		t.Errorf("authorize request lacks PKCE S256/offline/state: %v", q)
	}
	if ru := q.Get("redirect_uri"); !strings.HasPrefix(ru, "http://127.0.0.1:") || !strings.HasSuffix(ru, "/") {
		t.Errorf("redirect_uri = %q, want http://127.0.0.1:PORT/", ru)
	}
	if out.cancelled != 1 {
		t.Errorf("pending input cancelled %d times, want 1", out.cancelled)
	}
	if len(out.passwords) != 1 || !out.passwords[0] {
		t.Errorf("input_request password flags = %v, want [true]", out.passwords)
	}
	if !listenerClosed(authURL) {
		t.Error("loopback listener still open after login")
	}
	stdout, stderr := out.out()
	for _, want := range []string{"Signed in as alice@example.com", "bigquery", "userinfo.email", filepath.Join(e.dir, "gokernel", "credentials", "alice@example.com.json")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("unexpected stderr: %s", stderr)
	}
	if got := e.m.Who(); got != "alice@example.com (your Google account, via %auth)" {
		t.Errorf("Who() = %q", got)
	}
	// The link is clickable HTML with a plain-text twin.
	if calls := out.allCalls(); !strings.Contains(calls, `text/html`) || !strings.Contains(calls, `\u003ca href=`) {
		t.Errorf("no HTML link displayed: %s", calls)
	}
	ts, err := e.m.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Error("token handed out carries the refresh token")
	}
	if code := callAPI(t, e.srv, tok.AccessToken); code != 200 {
		t.Errorf("server refused the access token: %d", code)
	}
}

// The hosted-notebook path: the user pastes what the browser landed on.
func TestLoginPaste(t *testing.T) {
	tests := []struct {
		name    string
		paste   func(landed *url.URL) string
		wantErr string
	}{
		{"full URL", func(u *url.URL) string { return u.String() }, ""},
		{"full URL with spaces", func(u *url.URL) string { return "  " + u.String() + "\n" }, ""},
		{"query string", func(u *url.URL) string { return u.RawQuery }, ""},
		{"query string with ?", func(u *url.URL) string { return "?" + u.RawQuery }, ""},
		{"bare code", func(u *url.URL) string { return u.Query().Get("code") }, ""},
		{"state mismatch URL", func(u *url.URL) string {
			q := u.Query()
			q.Set("state", "someone-elses-state")
			u.RawQuery = q.Encode()
			return u.String()
		}, "different sign-in attempt"},
		{"state mismatch query", func(u *url.URL) string {
			q := u.Query()
			q.Set("state", "x")
			return q.Encode()
		}, "different sign-in attempt"},
		{"empty", func(*url.URL) string { return "   " }, "nothing was pasted"},
		{"URL without code", func(u *url.URL) string {
			q := u.Query()
			q.Del("code")
			u.RawQuery = q.Encode()
			return u.String()
		}, "no code"},
		{"garbage", func(*url.URL) string { return "not a code at all" }, "neither an address nor a code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			out := newRecOutput()
			done := e.runAsync(context.Background(), out, "%auth login")
			landed := browse(t, e.srv, out.waitURL(t))
			<-out.inInput
			pasted := tt.paste(&url.URL{Scheme: landed.Scheme, Host: landed.Host, Path: landed.Path, RawQuery: landed.RawQuery})
			out.answers <- inputAnswer{text: pasted}
			err := waitDone(t, done)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("login: %s", err.Value)
				}
				if e.m.Who() != "alice@example.com (your Google account, via %auth)" {
					t.Errorf("Who() = %q", e.m.Who())
				}
				return
			}
			if err == nil || !strings.Contains(err.Value, tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if code := landed.Query().Get("code"); code != "" && strings.Contains(err.Value, code) {
				t.Error("error text contains the code")
			}
			if e.m.Who() == "alice@example.com (your Google account, via %auth)" {
				t.Error("a refused paste still signed in")
			}
		})
	}
}

// The server (not just our code) checks PKCE: an attempt without a
// challenge is refused, and a wrong verifier cannot redeem the code.
func TestPKCEVerifiedByServer(t *testing.T) {
	e := newEnv(t)
	cs, err := loadClientSecrets(filepath.Join(e.dir, "client_secrets.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("wrong verifier refused", func(t *testing.T) {
		a, err := newAttempt(cs, DefaultScopes(), "", e.m.log)
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		landed := browse(t, e.srv, a.authURL)
		code, err := a.parsePaste(landed.String())
		if err != nil {
			t.Fatal(err)
		}
		good := a.verifier
		a.verifier = oauth2.GenerateVerifier()
		_, err = a.exchange(context.Background(), code)
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("exchange with wrong verifier: %v, want invalid_grant", err)
		}
		for _, s := range []string{code, a.verifier, good, cs.ClientSecret} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error text contains a secret: %v", err)
			}
		}
	})
	t.Run("missing challenge refused", func(t *testing.T) {
		a, err := newAttempt(cs, DefaultScopes(), "", e.m.log)
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		landed := browse(t, e.srv, a.cfg.AuthCodeURL(a.state, oauth2.AccessTypeOffline))
		if landed.Query().Get("error") != "invalid_request" || landed.Query().Get("code") != "" {
			t.Fatalf("authorize without PKCE: landed on %v", landed)
		}
		if _, err := a.parsePaste(landed.String()); err == nil || !strings.Contains(err.Error(), "invalid_request") {
			t.Fatalf("paste of error redirect: %v", err)
		}
	})
}

func TestAllowStdinFalse(t *testing.T) {
	t.Run("no stdin: fails at once, no link, no listener", func(t *testing.T) {
		e := newEnv(t)
		out := newRecOutput()
		out.noStdin = true
		start := time.Now()
		err := e.run(context.Background(), out, "%auth login")
		if err == nil || !strings.Contains(err.Value, "allow_stdin is false") {
			t.Fatalf("error = %v", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("took %v", time.Since(start))
		}
		if calls := out.allCalls(); strings.Contains(calls, "display") {
			t.Errorf("a link was shown although nobody can complete it: %s", calls)
		}
	})
	t.Run("front end refuses input: fails at once", func(t *testing.T) {
		e := newEnv(t)
		out := newRecOutput()
		done := e.runAsync(context.Background(), out, "%auth login")
		authURL := out.waitURL(t)
		<-out.inInput
		out.answers <- inputAnswer{err: errors.New("stdin not allowed")}
		err := waitDone(t, done)
		if err == nil || !strings.Contains(err.Value, "cannot ask for the sign-in address") {
			t.Fatalf("error = %v", err)
		}
		if !listenerClosed(authURL) {
			t.Error("listener left open")
		}
	})
	t.Run("no stdin but a cached credential fits: works", func(t *testing.T) {
		e := newEnv(t)
		e.login(newRecOutput(), "%auth login")
		m2 := e.newManager()
		out := newRecOutput()
		out.noStdin = true
		if err := e.run(context.Background(), out, "%auth"); err != nil {
			t.Fatalf("reuse without stdin: %s", err.Value)
		}
		if !strings.Contains(m2.Who(), "alice@example.com") {
			t.Errorf("Who() = %q", m2.Who())
		}
	})
}

func TestInterruptAndTimeout(t *testing.T) {
	t.Run("interrupt during the prompt", func(t *testing.T) {
		e := newEnv(t)
		out := newRecOutput()
		ctx, cancel := context.WithCancel(context.Background())
		done := e.runAsync(ctx, out, "%auth login")
		authURL := out.waitURL(t)
		<-out.inInput
		cancel()
		err := waitDone(t, done)
		if err == nil || err.Name != "Interrupted" {
			t.Fatalf("error = %+v, want Interrupted", err)
		}
		if out.cancelled != 1 {
			t.Errorf("prompt not withdrawn: %d", out.cancelled)
		}
		if !listenerClosed(authURL) {
			t.Error("listener left open")
		}
	})
	t.Run("abandoned prompt times out", func(t *testing.T) {
		e := newEnv(t, func(o *ManagerOptions) { o.LoginTimeout = 300 * time.Millisecond })
		out := newRecOutput()
		err := waitDone(t, e.runAsync(context.Background(), out, "%auth login"))
		if err == nil || !strings.Contains(err.Value, "gave up waiting for sign-in after 300ms") {
			t.Fatalf("error = %+v", err)
		}
	})
}

func TestScopeDowngrade(t *testing.T) {
	e := newEnvServer(t, oauthtest.Options{Decline: []string{ScopeDriveReadOnly}})
	out := newRecOutput()
	e.login(out, "%auth login --drive")
	_, stderr := out.out()
	if !strings.Contains(stderr, "you did not grant drive.readonly") {
		t.Errorf("no downgrade warning: %q", stderr)
	}
	c, _, err := e.m.store.load("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(missingScopes(c.Scopes, []string{ScopeDriveReadOnly})) != 1 {
		t.Errorf("cached scopes %v claim drive", c.Scopes)
	}
	// A fresh kernel must not reuse the credential for a Drive request...
	e.newManager()
	out = newRecOutput()
	out.noStdin = true
	if err := e.run(context.Background(), out, "%auth login --drive"); err == nil || !strings.Contains(err.Value, "interactive") {
		t.Errorf("reused a credential without drive: %v", err)
	}
	// ...but does for a plain BigQuery one.
	out = newRecOutput()
	out.noStdin = true
	if err := e.run(context.Background(), out, "%auth"); err != nil {
		t.Errorf("no reuse for BigQuery: %s", err.Value)
	}
}

func TestLoginAccountAndNoCache(t *testing.T) {
	e := newEnvServer(t, oauthtest.Options{IgnoreLoginHint: true})
	out := newRecOutput()
	e.login(out, "%auth login --no-cache --account bob@example.com --project my-proj")
	stdout, stderr := out.out()
	if !strings.Contains(stdout, "memory only") || !strings.Contains(stderr, "you asked for bob@example.com but signed in as alice@example.com") {
		t.Errorf("stdout=%q stderr=%q", stdout, stderr)
	}
	if got := lastAuthQuery(e.srv).Get("login_hint"); got != "bob@example.com" {
		t.Errorf("login_hint = %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "gokernel", "credentials", "alice@example.com.json")); !os.IsNotExist(err) {
		t.Errorf("--no-cache wrote a file: %v", err)
	}
	if e.m.Project() != "my-proj" {
		t.Errorf("Project() = %q", e.m.Project())
	}
}
