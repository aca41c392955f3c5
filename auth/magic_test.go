package auth

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// Every Output call, log line and error text of a full session: login
// (paste), refresh, status, a refused paste, a revoked token, logout
// --revoke. None may contain a token, code, verifier or client secret.
func TestSecretsNeverOutput(t *testing.T) {
	e := newEnv(t)
	out := newRecOutput()
	var errs []string
	note := func(s string) { errs = append(errs, s) }

	e.login(out, "%auth login --drive")
	u := activeSession(t, e.m)
	expire(u)
	ts, _ := e.m.TokenSource(context.Background())
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	if ee := e.run(context.Background(), out, "%auth status"); ee != nil {
		note(ee.Value)
	}
	// A refused paste (state mismatch) quotes nothing it was given.
	done := e.runAsync(context.Background(), out, "%auth login --force")
	landed := browse(t, e.srv, out.waitURL(t))
	<-out.inInput
	q := landed.Query()
	q.Set("state", "forged")
	landed.RawQuery = q.Encode()
	out.answers <- inputAnswer{text: landed.String()}
	if ee := waitDone(t, done); ee != nil {
		note(strings.Join(ee.Traceback, "\n") + ee.Value)
	} else {
		t.Fatal("forged state accepted")
	}
	// A wrong bare code: the server's refusal quotes nothing either.
	done = e.runAsync(context.Background(), out, "%auth login --force")
	browse(t, e.srv, out.waitURL(t))
	<-out.inInput
	out.answers <- inputAnswer{text: "not-the-code-" + randHex(t)}
	if ee := waitDone(t, done); ee != nil {
		note(ee.Value)
	}
	// Revoked refresh token.
	rt := expire(u)
	resp, err := revoke(t, e.srv, rt)
	if err == nil {
		resp.Body.Close()
	}
	if _, err := ts.Token(); err != nil {
		note(err.Error())
	}
	if ee := e.run(context.Background(), out, "%auth status"); ee != nil {
		note(ee.Value)
	}
	// Sign in again, then log out with revocation.
	e.login(out, "%auth login --force")
	if ee := e.run(context.Background(), out, "%auth logout --revoke"); ee != nil {
		note(ee.Value)
	}
	if ee := e.run(context.Background(), out, "%auth status"); ee != nil {
		note(ee.Value)
	}

	secrets := e.srv.Secrets()
	if len(secrets) < 8 {
		t.Fatalf("only %d secrets captured; the test would prove little", len(secrets))
	}
	haystacks := map[string]string{"output": out.allCalls(), "logs": e.logs.String(), "errors": strings.Join(errs, "\n")}
	for where, text := range haystacks {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains a secret (%.6s…)", where, s)
			}
		}
	}
	if !strings.Contains(haystacks["output"], "Signed out of alice@example.com") || !strings.Contains(haystacks["logs"], "refreshed") {
		t.Error("the session did not run to the end")
	}
}

func TestMagicUsage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		cell, wantName, want string
	}{
		{"%auth login --bogus", "MagicUsageError", "flag provided but not defined: -bogus"},
		{"%auth --nope", "MagicUsageError", "-nope"},
		{"%auth frobnicate", "MagicUsageError", `unknown command "frobnicate"`},
		{"%auth status extra", "MagicUsageError", "status takes no arguments"},
		{"%auth use", "MagicUsageError", "use needs EMAIL"},
		{"%auth use service-account", "MagicUsageError", "key file's path"},
		{"%auth logout --revoke a b", "MagicUsageError", `unexpected argument "b"`},
		{"%auth login stray", "MagicUsageError", `unexpected argument "stray"`},
		{"%auth use nobody@example.com", "MagicError", "no credential for nobody@example.com"},
		{"%auth use service-account /nonexistent.json", "MagicError", "reading service-account key"},
		{"%auth logout", "MagicError", "nothing to log out"},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			err := e.run(context.Background(), newRecOutput(), tt.cell)
			if err == nil || err.Name != tt.wantName || !strings.Contains(err.Value, tt.want) {
				t.Fatalf("got %+v, want %s containing %q", err, tt.wantName, tt.want)
			}
			if tt.wantName == "MagicUsageError" && !strings.Contains(err.Value, "usage:") {
				t.Error("usage text missing")
			}
		})
	}
	t.Run("--help", func(t *testing.T) {
		out := newRecOutput()
		if err := e.run(context.Background(), out, "%auth --help"); err != nil {
			t.Fatal(err)
		}
		if s, _ := out.out(); !strings.Contains(s, "%auth logout [--revoke]") {
			t.Errorf("help = %q", s)
		}
	})
	t.Run("scopes", func(t *testing.T) {
		tests := []struct{ cell, want string }{
			{"%auth", "https://www.googleapis.com/auth/bigquery openid https://www.googleapis.com/auth/userinfo.email"},
			{"%auth login --drive", "https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/drive.readonly openid https://www.googleapis.com/auth/userinfo.email"},
			{"%auth login --scopes cloud-platform https://www.googleapis.com/auth/drive.readonly --no-cache",
				"https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/drive.readonly openid https://www.googleapis.com/auth/userinfo.email"},
			{"%auth login --scopes=bigquery,email", "https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/userinfo.email openid"},
		}
		for _, tt := range tests {
			ctx, cancel := context.WithCancel(context.Background())
			out := newRecOutput()
			done := e.runAsync(ctx, out, tt.cell)
			u, err := url.Parse(out.waitURL(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query().Get("scope"); got != tt.want {
				t.Errorf("%s: scope = %q, want %q", tt.cell, got, tt.want)
			}
			<-out.inInput
			cancel()
			waitDone(t, done)
		}
	})
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	out := newRecOutput()
	if err := e.run(context.Background(), out, "%auth status"); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.out(); !strings.Contains(s, "Active identity: none") || !strings.Contains(s, "%auth login") {
		t.Errorf("status without credentials = %q", s)
	}
	e.login(newRecOutput(), "%auth login --project p1")
	ts, _ := e.m.TokenSource(context.Background())
	ts.Token()
	out = newRecOutput()
	if err := e.run(context.Background(), out, "%auth status"); err != nil {
		t.Fatal(err)
	}
	s, _ := out.out()
	for _, want := range []string{"Active identity: alice@example.com (your Google account, via %auth)", "Type:            Google user account (OAuth client " + e.srv.ClientID,
		"Scopes:          bigquery, openid, userinfo.email", "Access token:    valid until", "Project:         p1", "Credentials:     " + e.dir, "Cached accounts: alice@example.com"} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
}
