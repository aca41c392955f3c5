// Package oauthtest runs a real OAuth 2.0 / OpenID Connect authorization
// server on the loopback interface, standing in for Google's in tests.
//
// The server is github.com/ory/fosite (the engine inside Ory Hydra), not a
// hand-written fake of the token endpoint: the authorization code grant with
// PKCE (S256, enforced), refresh tokens (rotated on every refresh), id_tokens
// signed with RS256 and token revocation (RFC 7009) all behave as a standards
// conforming server does. The only shortcut is the user: the authorize
// endpoint signs in a fixed account and consents at once, then redirects to
// the client's loopback redirect_uri with the code and state, exactly as
// Google does after the consent screen. The account signed in is the
// request's login_hint when it looks like an email address (as Google
// preselects that account), else Options.Email, so one server can stand in
// for several users.
//
// /introspect is RFC 7662 token introspection (client authentication with
// HTTP Basic): a protected resource in a test asks it whether a bearer
// token is active and whose it is ("username" is the account's email).
//
// The client is a Google "installed app" (Desktop) client; clientSecretsJSON
// returns its client_secrets.json, whose endpoints point at this server, so
// code under test needs no hooks beyond reading that file.
//
// Every secret the server issues or receives (authorization codes, PKCE
// verifiers, access, refresh and id tokens, the client secret) is recorded;
// Secrets returns them so a test can assert that none of them leaked into
// output, logs or error messages.
package oauthtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Google's scope names, so the default client may ask for what gokernel's
// %auth asks Google for.
const (
	ScopeBigQuery       = "https://www.googleapis.com/auth/bigquery"
	ScopeCloudPlatform  = "https://www.googleapis.com/auth/cloud-platform"
	scopeDriveReadOnly  = "https://www.googleapis.com/auth/drive.readonly"
	scopeUserinfoEmail  = "https://www.googleapis.com/auth/userinfo.email"
	scopeUserinfoProf   = "https://www.googleapis.com/auth/userinfo.profile"
	scopeOpenID         = "openid"
	defaultEmail        = "alice@example.com"
	defaultClientID     = "gokernel-test-client.apps.example.com"
	defaultAccessExpiry = time.Hour
)

// defaultScopes are the scopes the client may request when Options.Scopes
// is empty.
func defaultScopes() []string {
	return []string{scopeOpenID, "email", "profile", ScopeBigQuery, ScopeCloudPlatform,
		scopeDriveReadOnly, scopeUserinfoEmail, scopeUserinfoProf}
}

// Options configures Start. The zero value is a usable server.
type Options struct {
	// Addr is the address to listen on; default "127.0.0.1:0" (an
	// ephemeral loopback port).
	Addr string
	// Email is the account the authorize endpoint signs in when the
	// request carries no login_hint; it is the id_token's email claim.
	// Default alice@example.com.
	Email string
	// Subject is the id_token's sub claim for Email; default derived from
	// Email (and always derived for login_hint accounts).
	Subject string
	// ClientID is the OAuth client's id; default
	// gokernel-test-client.apps.example.com.
	ClientID string
	// ClientSecret is the client's secret; default a fresh random string.
	ClientSecret string
	// Scopes are the scopes the client may request; default defaultScopes.
	Scopes []string
	// IgnoreLoginHint makes the authorize endpoint always sign in Email,
	// as when the user picks another account in the browser than the one
	// the client hinted.
	IgnoreLoginHint bool
	// Decline lists scopes the "user" leaves unticked on the consent
	// screen: requested but never granted.
	Decline []string
	// AccessTokenLifespan is how long an access token lives; default one
	// hour. Make it short to exercise refreshes.
	AccessTokenLifespan time.Duration
	// SigningKey signs id_tokens; default a fresh 2048-bit RSA key (the
	// slowest part of Start: share one key between many servers in a test
	// binary that starts many).
	SigningKey *rsa.PrivateKey
	// ServiceAccounts are service-account identities (emails such as
	// sa-vm@proj.iam.gserviceaccount.com), each registered as a
	// confidential client whose id is the email and which may use the
	// client_credentials grant. ServiceAccountToken mints their tokens;
	// introspection names the email as the token's username and client_id,
	// as Google's tokeninfo names a VM's service account.
	ServiceAccounts []string
}

// Server is a running authorization server. Its exported fields are set by
// Start and must not be changed.
type Server struct {
	// URL is the server's base address, http://127.0.0.1:PORT.
	URL string
	// ClientID and ClientSecret identify the one registered client.
	ClientID     string
	ClientSecret string
	// Email is the account the authorize endpoint signs in.
	Email string

	subject  string
	ignoreLH bool
	decline  map[string]bool
	provider fosite.OAuth2Provider
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}

	mu        sync.Mutex
	secrets   []string
	seen      map[string]bool
	authQuery []url.Values
	tokenReqs int

	saSecrets map[string]string // service-account email -> client secret; set by Start only
}

// Start listens on opts.Addr and serves until Close.
//
// Endpoints: /auth (authorize), /token, /revoke, /introspect (RFC 7662),
// /userinfo (the email of a live bearer access token, as Google's).
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Email == "" {
		opts.Email = defaultEmail
	}
	if opts.Subject == "" {
		opts.Subject = subjectFor(opts.Email)
	}
	if opts.ClientID == "" {
		opts.ClientID = defaultClientID
	}
	if opts.ClientSecret == "" {
		s, err := randomHex(16)
		if err != nil {
			return nil, err
		}
		opts.ClientSecret = "GOCSPX-test-" + s
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = defaultScopes()
	}
	if opts.AccessTokenLifespan <= 0 {
		opts.AccessTokenLifespan = defaultAccessExpiry
	}
	if opts.SigningKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("oauthtest: signing key: %w", err)
		}
		opts.SigningKey = k
	}
	globalSecret := make([]byte, 32)
	if _, err := rand.Read(globalSecret); err != nil {
		return nil, fmt.Errorf("oauthtest: global secret: %w", err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("oauthtest: listen: %w", err)
	}
	s := &Server{
		URL:          "http://" + ln.Addr().String(),
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		Email:        opts.Email,
		subject:      opts.Subject,
		ignoreLH:     opts.IgnoreLoginHint,
		decline:      map[string]bool{},
		ln:           ln,
		done:         make(chan struct{}),
		seen:         map[string]bool{},
		saSecrets:    map[string]string{},
	}
	for _, sc := range opts.Decline {
		s.decline[sc] = true
	}
	s.record(opts.ClientSecret)

	cfg := &fosite.Config{
		GlobalSecret: globalSecret,
		// PKCE is mandatory and only S256 is accepted (plain is off by
		// default), as for Google's installed-app clients.
		EnforcePKCE: true,
		// Google-like: a refresh token for every code exchange
		// (access_type=offline), not only for the offline scope.
		RefreshTokenScopes:    []string{},
		AccessTokenLifespan:   opts.AccessTokenLifespan,
		RefreshTokenLifespan:  30 * 24 * time.Hour,
		AuthorizeCodeLifespan: 5 * time.Minute,
		IDTokenLifespan:       time.Hour,
		IDTokenIssuer:         s.URL,
		ScopeStrategy:         fosite.ExactScopeStrategy,
		HashCost:              bcrypt.MinCost,
		// Error descriptions help whoever debugs a failing test; they never
		// contain the secrets themselves.
		SendDebugMessagesToClients: true,
	}
	store := storage.NewMemoryStore()
	hash, err := bcrypt.GenerateFromPassword([]byte(opts.ClientSecret), bcrypt.MinCost)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("oauthtest: hashing the client secret: %w", err)
	}
	store.Clients[opts.ClientID] = &fosite.DefaultClient{
		ID:     opts.ClientID,
		Secret: hash,
		// Loopback redirects on any port (RFC 8252 §7.3), like Google's
		// Desktop clients.
		RedirectURIs:  []string{"http://127.0.0.1/", "http://127.0.0.1", "http://[::1]/", "http://[::1]"},
		ResponseTypes: []string{"code"},
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		Scopes:        opts.Scopes,
	}
	for _, sa := range opts.ServiceAccounts {
		sec, err := randomHex(16)
		if err != nil {
			ln.Close()
			return nil, err
		}
		h, err := bcrypt.GenerateFromPassword([]byte(sec), bcrypt.MinCost)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("oauthtest: hashing a service account's secret: %w", err)
		}
		s.saSecrets[sa] = sec
		s.record(sec)
		store.Clients[sa] = &fosite.DefaultClient{
			ID: sa, Secret: h, GrantTypes: []string{"client_credentials"}, Scopes: opts.Scopes,
		}
	}
	s.provider = compose.ComposeAllEnabled(cfg, store, opts.SigningKey)

	mux := http.NewServeMux()
	mux.HandleFunc("/auth", s.authorize)
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("/revoke", s.revoke)
	mux.HandleFunc("/introspect", s.introspect)
	mux.HandleFunc("/userinfo", s.userinfo)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server: it lets requests in progress finish (for up to
// five seconds), so Secrets is complete once Close returns.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

// authURL is the authorize endpoint.
func (s *Server) authURL() string { return s.URL + "/auth" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// RevokeURL is the revocation endpoint (RFC 7009).
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

// IntrospectURL is the RFC 7662 introspection endpoint. It wants the
// client's id and secret as HTTP Basic credentials and answers
// {"active": true, "username": EMAIL, "sub", "client_id", "scope", "exp",
// "token_use"} for a live access or refresh token, {"active": false}
// otherwise.
func (s *Server) IntrospectURL() string { return s.URL + "/introspect" }

// UserinfoURL answers {"sub", "email"} for a live bearer access token and
// 401 otherwise: a protected resource for checking tokens end to end.
func (s *Server) UserinfoURL() string { return s.URL + "/userinfo" }

// clientSecretsJSON is the client's client_secrets.json in Google's
// installed-app format, with this server's endpoints.
func (s *Server) clientSecretsJSON() []byte {
	b, err := json.MarshalIndent(map[string]any{"installed": map[string]any{
		"client_id":     s.ClientID,
		"client_secret": s.ClientSecret,
		"project_id":    "oauthtest",
		"auth_uri":      s.authURL(),
		"token_uri":     s.TokenURL(),
		"revoke_uri":    s.RevokeURL(),
		"redirect_uris": []string{"http://localhost"},
	}}, "", "  ")
	if err != nil {
		panic(err) // only strings: cannot fail
	}
	return append(b, '\n')
}

// WriteClientSecrets writes clientSecretsJSON to dir/client_secrets.json
// with mode 0600 and returns its path.
func (s *Server) WriteClientSecrets(dir string) (string, error) {
	p := filepath.Join(dir, "client_secrets.json")
	if err := os.WriteFile(p, s.clientSecretsJSON(), 0o600); err != nil {
		return "", fmt.Errorf("oauthtest: %w", err)
	}
	return p, nil
}

// Secrets returns every secret the server issued or received, without
// duplicates, in the order first seen: the client secret, then
// authorization codes, PKCE verifiers, access, refresh and id tokens and
// tokens sent for revocation. None of them may ever appear in a client's
// output.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

// AuthorizeRequests returns the query of every authorize request so far.
func (s *Server) AuthorizeRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.authQuery))
	for i, q := range s.authQuery {
		out[i] = cloneValues(q)
	}
	return out
}

// TokenRequests is how many requests reached the token endpoint.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// Authorize plays the user's browser: it opens authURL (following
// redirects within this server), where the fixed user signs in and
// consents, and returns the address the browser is then sent to (the
// client's loopback redirect_uri with code and state) without visiting it.
// That address is what a hosted-notebook user copies from the address bar.
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	var landed *url.URL
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != s.ln.Addr().String() {
			landed = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("oauthtest: too many redirects")
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauthtest: browser: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if landed == nil {
		return nil, fmt.Errorf("oauthtest: the authorize endpoint did not redirect to the client: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return landed, nil
}

// ServiceAccountToken mints an access token for the service account email
// (one of Options.ServiceAccounts) with the client_credentials grant at the
// token endpoint, as a VM's metadata server gets one from Google for the
// VM's attached service account. The token is real: introspection reports
// it active, with email as username and client_id.
func (s *Server) ServiceAccountToken(ctx context.Context, email string, scopes []string) (*oauth2.Token, error) {
	sec, ok := s.saSecrets[email]
	if !ok {
		return nil, fmt.Errorf("oauthtest: %s is not one of the server's service accounts", email)
	}
	cfg := clientcredentials.Config{
		ClientID: email, ClientSecret: sec, TokenURL: s.TokenURL(), Scopes: scopes,
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := cfg.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauthtest: token for service account %s: %w", email, err)
	}
	return tok, nil
}

// record adds v to the secrets, once.
func (s *Server) record(v string) {
	if v == "" || s.seen[v] {
		return
	}
	s.seen[v] = true
	s.secrets = append(s.secrets, v)
}

// subjectFor derives a stable sub claim from an email address.
func subjectFor(email string) string {
	return "sub-" + strings.NewReplacer("@", "-at-", ".", "-").Replace(email)
}

// account is who the authorize endpoint signs in for a request: the
// login_hint when it looks like an email address, else the default user.
func (s *Server) account(r *http.Request) (email, subject string) {
	if h := r.URL.Query().Get("login_hint"); !s.ignoreLH && h != "" && strings.Count(h, "@") == 1 && !strings.ContainsAny(h, " /\\") {
		if h == s.Email {
			return s.Email, s.subject
		}
		return h, subjectFor(h)
	}
	return s.Email, s.subject
}

// session is the signed-in user's session. Username carries the email so
// that introspection (and /userinfo) can say whose a token is; refreshes
// copy the session, so rotated tokens stay that user's.
func (s *Server) session(email, subject string) *openid.DefaultSession {
	now := time.Now().UTC()
	return &openid.DefaultSession{
		Claims: &jwt.IDTokenClaims{
			Subject: subject, Issuer: s.URL, AuthTime: now, RequestedAt: now,
			Extra: map[string]any{"email": email, "email_verified": true},
		},
		Headers:  &jwt.Headers{},
		Subject:  subject,
		Username: email,
	}
}

// authorize signs the fixed user in, grants every requested scope not
// declined, and redirects to the client with a code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.mu.Lock()
	s.authQuery = append(s.authQuery, cloneValues(r.URL.Query()))
	for _, sc := range ar.GetRequestedScopes() {
		if !s.decline[sc] {
			ar.GrantScope(sc)
		}
	}
	s.mu.Unlock()
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, s.session(s.account(r)))
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.mu.Lock()
	s.record(resp.GetCode())
	s.mu.Unlock()
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// remember records the secrets in a request's form and a response body.
func (s *Server) remember(form url.Values, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"code", "code_verifier", "client_secret", "refresh_token", "token"} {
		for _, v := range form[k] {
			s.record(v)
		}
	}
	var resp map[string]any
	if json.Unmarshal(body, &resp) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if v, _ := resp[k].(string); v != "" {
				s.record(v)
			}
		}
	}
}

// token is the token endpoint. The response is recorded before it is sent,
// so a client that got a token can be sure Secrets already lists it.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = r.ParseForm()
	s.mu.Lock()
	s.tokenReqs++
	s.mu.Unlock()
	rec := httptest.NewRecorder()
	sess := openid.NewDefaultSession()
	ar, err := s.provider.NewAccessRequest(ctx, r, sess)
	if err == nil && ar.GetGrantTypes().ExactOne("client_credentials") {
		// A service account's token: it is that account's (introspection's
		// username), with the scopes it asked for (fosite checks them
		// against the client's but grants none by itself).
		id := ar.GetClient().GetID()
		sess.Username, sess.Subject = id, subjectFor(id)
		for _, sc := range ar.GetRequestedScopes() {
			ar.GrantScope(sc)
		}
	}
	if err != nil {
		s.provider.WriteAccessError(ctx, rec, ar, err)
	} else if resp, err := s.provider.NewAccessResponse(ctx, ar); err != nil {
		s.provider.WriteAccessError(ctx, rec, ar, err)
	} else {
		s.provider.WriteAccessResponse(ctx, rec, ar, resp)
	}
	s.remember(r.PostForm, rec.Body.Bytes())
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = r.ParseForm()
	s.remember(r.PostForm, nil)
	err := s.provider.NewRevocationRequest(ctx, r)
	s.provider.WriteRevocationResponse(ctx, w, err)
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, "missing bearer token", http.StatusUnauthorized)
		return
	}
	_, ar, err := s.provider.IntrospectToken(r.Context(), tok, fosite.AccessToken, openid.NewDefaultSession())
	if err != nil {
		http.Error(w, "invalid or expired access token", http.StatusUnauthorized)
		return
	}
	sess := ar.GetSession()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"sub": sess.GetSubject(), "email": sess.GetUsername(), "email_verified": true})
}

// introspect is RFC 7662 token introspection, entirely fosite's.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	resp, err := s.provider.NewIntrospectionRequest(ctx, r, openid.NewDefaultSession())
	if err != nil {
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	s.provider.WriteIntrospectionResponse(ctx, w, resp)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauthtest: %w", err)
	}
	return hex.EncodeToString(b), nil
}
