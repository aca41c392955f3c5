package oauthtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// config is the installed-app client as gokernel's %auth builds it.
func config(s *Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: s.authURL(), TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInParams,
		},
		// Nothing listens there: Authorize stops at the redirect.
		RedirectURL: "http://127.0.0.1:49999/",
		Scopes:      scopes,
	}
}

// authorize runs the browser half of a login and returns the code.
func authorize(t *testing.T, s *Server, cfg *oauth2.Config, verifier string) string {
	t.Helper()
	authURL := cfg.AuthCodeURL("state-0123456789", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier))
	landed, err := s.Authorize(context.Background(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if landed.Host != "127.0.0.1:49999" || landed.Path != "/" {
		t.Fatalf("redirected to %s, want the client's loopback redirect_uri", landed.Redacted())
	}
	q := landed.Query()
	if q.Get("state") != "state-0123456789" {
		t.Fatalf("state = %q", q.Get("state"))
	}
	if q.Get("code") == "" {
		t.Fatalf("no code in the redirect: %v", q)
	}
	return q.Get("code")
}

func idTokenClaims(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("no id_token in the token response (%d parts)", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// userinfo returns the status of a call to the protected resource.
func userinfo(t *testing.T, s *Server, accessToken string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.UserinfoURL(), nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func wantOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want an OAuth2 error response %q", err, code)
	}
	if re.ErrorCode != code {
		t.Fatalf("error = %q (%s), want %q", re.ErrorCode, re.ErrorDescription, code)
	}
}

func TestLoginRefreshRevoke(t *testing.T) {
	s := start(t, Options{Email: "bob@example.com"})
	ctx := context.Background()
	cfg := config(s, ScopeBigQuery, scopeOpenID, scopeUserinfoEmail)
	verifier := oauth2.GenerateVerifier()
	code := authorize(t, s, cfg, verifier)

	q := s.AuthorizeRequests()
	if len(q) != 1 || q[0].Get("code_challenge_method") != "S256" || q[0].Get("access_type") != "offline" {
		t.Fatalf("authorize requests: %v", q)
	}

	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token response lacks an access or refresh token: %+v", tok)
	}
	if got := strings.Fields(tok.Extra("scope").(string)); !slices.Contains(got, ScopeBigQuery) || !slices.Contains(got, scopeUserinfoEmail) {
		t.Fatalf("granted scopes = %v", got)
	}
	claims := idTokenClaims(t, tok)
	if claims["email"] != "bob@example.com" || claims["iss"] != s.URL || claims["aud"] == nil {
		t.Fatalf("id_token claims = %v", claims)
	}
	if st, body := userinfo(t, s, tok.AccessToken); st != http.StatusOK || body["email"] != "bob@example.com" {
		t.Fatalf("userinfo: %d %v", st, body)
	}
	// Refresh: a new access token and a rotated refresh token; the old
	// refresh token is dead.
	expired := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	tok2, err := cfg.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh did not issue a new access token and a rotated refresh token")
	}
	_, err = cfg.TokenSource(ctx, expired).Token()
	wantOAuthError(t, err, "invalid_grant")

	// Revocation (RFC 7009) of the refresh token kills it and its access token.
	form := url.Values{"token": {tok2.RefreshToken}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}}
	resp, err := http.PostForm(s.RevokeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
	wantOAuthError(t, err, "invalid_grant")
	if st, _ := userinfo(t, s, tok2.AccessToken); st != http.StatusUnauthorized {
		t.Fatalf("userinfo with a revoked token: %d", st)
	}

	// A code is good for one exchange only.
	_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, "invalid_grant")

	secrets := s.Secrets()
	for name, v := range map[string]string{
		"client secret": s.ClientSecret, "code": code, "verifier": verifier,
		"access token": tok.AccessToken, "refresh token": tok.RefreshToken, "id_token": tok.Extra("id_token").(string),
		"refreshed access token": tok2.AccessToken, "rotated refresh token": tok2.RefreshToken,
	} {
		if !slices.Contains(secrets, v) {
			t.Errorf("Secrets() lacks the %s", name)
		}
	}
	if secrets[0] != s.ClientSecret {
		t.Error("Secrets() does not start with the client secret")
	}
	if s.TokenRequests() != 5 {
		t.Errorf("TokenRequests() = %d, want 5", s.TokenRequests())
	}
}

func TestPKCEEnforced(t *testing.T) {
	s := start(t, Options{})
	ctx := context.Background()
	cfg := config(s, ScopeBigQuery)

	// A wrong verifier is refused.
	code := authorize(t, s, cfg, oauth2.GenerateVerifier())
	_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, err, "invalid_grant")

	// So is no verifier at all.
	code = authorize(t, s, cfg, oauth2.GenerateVerifier())
	_, err = cfg.Exchange(ctx, code)
	wantOAuthError(t, err, "invalid_grant")

	// An authorize request without a challenge gets no code.
	landed, err := s.Authorize(ctx, cfg.AuthCodeURL("state-xxxxxxxx", oauth2.AccessTypeOffline))
	if err != nil {
		t.Fatal(err)
	}
	if landed.Query().Get("code") != "" || landed.Query().Get("error") != "invalid_request" {
		t.Fatalf("authorize without PKCE redirected with %v", landed.Query())
	}
	// plain is not accepted either.
	landed, err = s.Authorize(ctx, cfg.AuthCodeURL("state-xxxxxxxx", oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
		oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if err != nil {
		t.Fatal(err)
	}
	if landed.Query().Get("code") != "" {
		t.Fatalf("authorize with a plain challenge issued a code: %v", landed.Query().Get("error"))
	}
}

func TestWrongClientSecretAndRedirect(t *testing.T) {
	s := start(t, Options{})
	cfg := config(s, ScopeBigQuery)
	v := oauth2.GenerateVerifier()
	code := authorize(t, s, cfg, v)
	bad := *cfg
	bad.ClientSecret = "not-the-secret"
	_, err := bad.Exchange(context.Background(), code, oauth2.VerifierOption(v))
	wantOAuthError(t, err, "invalid_client")

	// A redirect_uri that is not loopback is never redirected to.
	other := *cfg
	other.RedirectURL = "https://evil.example.com/"
	if _, err := s.Authorize(context.Background(), other.AuthCodeURL("state-xxxxxxxx", oauth2.S256ChallengeOption(v))); err == nil {
		t.Fatal("authorize redirected to a foreign redirect_uri")
	}
}

func TestDeclineAndLifespan(t *testing.T) {
	s := start(t, Options{Decline: []string{scopeDriveReadOnly}, AccessTokenLifespan: 2 * time.Second})
	cfg := config(s, ScopeBigQuery, scopeDriveReadOnly, scopeOpenID)
	v := oauth2.GenerateVerifier()
	tok, err := cfg.Exchange(context.Background(), authorize(t, s, cfg, v), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(tok.Extra("scope").(string)); slices.Contains(got, scopeDriveReadOnly) || !slices.Contains(got, ScopeBigQuery) {
		t.Fatalf("granted %v; drive.readonly was declined", got)
	}
	if left := time.Until(tok.Expiry); left > 3*time.Second {
		t.Fatalf("access token lives %v, want about 2s", left)
	}
}

func TestClientSecretsFile(t *testing.T) {
	s := start(t, Options{ClientID: "cid", ClientSecret: "csecret"})
	p, err := s.WriteClientSecrets(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 || filepath.Base(p) != "client_secrets.json" {
		t.Fatalf("client file: %v %v", fi, err)
	}
	data, _ := os.ReadFile(p)
	var f struct {
		Installed struct {
			ClientID     string   `json:"client_id"`
			ClientSecret string   `json:"client_secret"`
			AuthURI      string   `json:"auth_uri"`
			TokenURI     string   `json:"token_uri"`
			RevokeURI    string   `json:"revoke_uri"`
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"installed"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	in := f.Installed
	if in.ClientID != "cid" || in.ClientSecret != "csecret" || in.AuthURI != s.URL+"/auth" || in.TokenURI != s.URL+"/token" ||
		in.RevokeURI != s.URL+"/revoke" || !slices.Equal(in.RedirectURIs, []string{"http://localhost"}) {
		t.Fatalf("client_secrets.json = %s", data)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %s, want loopback", s.URL)
	}
}

// introspect asks the RFC 7662 endpoint about tok with the client's
// credentials (or the given ones).
func introspect(t *testing.T, s *Server, tok, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.IntrospectURL(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// One server, several users: login_hint picks the account, and
// introspection says whose each token is, across refreshes (which rotate
// the refresh token and retire the old one) and revocation.
func TestLoginHintAndIntrospection(t *testing.T) {
	s := start(t, Options{})
	ctx := context.Background()
	tests := []struct {
		hint, want string
	}{
		{"", "alice@example.com"},
		{"bob@example.com", "bob@example.com"},
		{"not an email", "alice@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"/"+tt.hint, func(t *testing.T) {
			cfg := config(s, ScopeBigQuery, scopeOpenID, scopeUserinfoEmail)
			v := oauth2.GenerateVerifier()
			opts := []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(v)}
			if tt.hint != "" {
				opts = append(opts, oauth2.SetAuthURLParam("login_hint", tt.hint))
			}
			landed, err := s.Authorize(ctx, cfg.AuthCodeURL("state-0123456789", opts...))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := cfg.Exchange(ctx, landed.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			if got := idTokenClaims(t, tok)["email"]; got != tt.want {
				t.Errorf("id_token email = %v, want %s", got, tt.want)
			}
			code, body := introspect(t, s, tok.AccessToken, s.ClientID, s.ClientSecret)
			if code != 200 || body["active"] != true || body["username"] != tt.want || body["client_id"] != s.ClientID || body["sub"] == "" {
				t.Fatalf("introspection of a live access token: %d %v", code, body)
			}
			if _, ui := userinfo(t, s, tok.AccessToken); ui["email"] != tt.want {
				t.Errorf("userinfo = %v", ui)
			}
			// A refresh rotates: the new tokens are the same user's, the old
			// refresh token is no longer active.
			nt, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			if err != nil {
				t.Fatal(err)
			}
			if nt.RefreshToken == "" || nt.RefreshToken == tok.RefreshToken {
				t.Fatal("refresh token not rotated")
			}
			if _, body := introspect(t, s, nt.RefreshToken, s.ClientID, s.ClientSecret); body["active"] != true || body["username"] != tt.want {
				t.Errorf("rotated refresh token: %v", body)
			}
			if _, body := introspect(t, s, tok.RefreshToken, s.ClientID, s.ClientSecret); body["active"] != false {
				t.Errorf("retired refresh token still active: %v", body)
			}
			// Revocation makes both inactive.
			resp, err := http.PostForm(s.RevokeURL(), url.Values{"token": {nt.RefreshToken}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, tk := range []string{nt.AccessToken, nt.RefreshToken} {
				if _, body := introspect(t, s, tk, s.ClientID, s.ClientSecret); body["active"] != false {
					t.Errorf("revoked token still active: %v", body)
				}
			}
		})
	}
	t.Run("client authentication required", func(t *testing.T) {
		if code, body := introspect(t, s, "whatever", s.ClientID, "wrong-secret"); code != http.StatusUnauthorized || body["active"] == true {
			t.Errorf("wrong secret: %d %v", code, body)
		}
	})
}
