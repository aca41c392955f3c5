// Package auth gives the kernel a Google identity: the notebook user's own
// account through %auth (installed-app OAuth with PKCE on a loopback
// redirect, or a pasted address on hosted notebooks), else an explicitly
// chosen service account or Application Default Credentials. Other
// packages get tokens only through the Credentials interface and never read
// credential files themselves.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// Credentials is the one way other packages get Google credentials.
type Credentials interface {
	// TokenSource returns tokens for the active identity, with the scopes
	// it has. ctx bounds only the lookup, not the tokens' later refreshes.
	TokenSource(ctx context.Context) (oauth2.TokenSource, error)
	// Who describes the active identity for people, e.g.
	// "alice@example.com (your Google account, via %auth)".
	Who() string
	// Project is the quota/billing project to use, or "" when unknown.
	Project() string
}

// ManagerOptions configure a Manager. The zero value is the production
// setup; tests override the directory, environment and ADC lookup.
type ManagerOptions struct {
	// ConfigDir is gokernel's configuration directory; default
	// $XDG_CONFIG_HOME/gokernel, else ~/.config/gokernel.
	ConfigDir string
	// Getenv reads the environment; default os.Getenv. (Google's own ADC
	// lookup always reads the real environment.)
	Getenv func(string) string
	// HTTPClient carries every call to token and revoke endpoints;
	// default http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives operational logs (never secrets); default slog.Default().
	Logger *slog.Logger
	// LoginTimeout bounds the wait for the browser or the paste; default 10 minutes.
	LoginTimeout time.Duration
	// FindDefaultCredentials resolves Application Default Credentials;
	// default google.FindDefaultCredentials (env var file, gcloud file,
	// metadata server). Tests replace it so they never probe a metadata server.
	FindDefaultCredentials func(ctx context.Context, scopes ...string) (*google.Credentials, error)
	// FallbackScopes are requested for ADC and service accounts; default cloud-platform.
	FallbackScopes []string
	// GcloudCommand is the Google Cloud CLI that %auth use gcloud runs;
	// default "gcloud", looked up on $PATH. Tests point it at a stand-in.
	GcloudCommand string
	// GcloudTokenReuse is how long a token printed by gcloud is used
	// before gcloud is asked again; default 4 minutes. gcloud prints no
	// expiry, but it refreshes any token with less than 5 minutes left, so
	// a printed token lives at least that long.
	GcloudTokenReuse time.Duration
}

// Manager owns the kernel's Google identity. *Manager implements
// Credentials and is safe for concurrent use: the BigQuery magic may ask
// for tokens while %auth changes who is signed in.
type Manager struct {
	opts    ManagerOptions
	store   *credStore
	baseCtx context.Context // for token refreshes: kernel lifetime, never a cell's ctx
	log     *slog.Logger

	// selMu serialises the first-call selection (selectFromDisk), which
	// reads files and may build a session outside mu.
	selMu sync.Mutex

	mu       sync.Mutex
	user     *userSession            // the %auth user; nil when none
	sessions map[string]*userSession // every user signed in during this kernel's life
	explicit *fallbackIdentity       // from %auth use adc|service-account|gcloud, here or remembered
	adc      *fallbackIdentity       // implicit ADC, resolved on first use
	// selected is set once the remembered choice or the credential cache
	// gave an identity (or something was chosen in this kernel), so the
	// files are read at the first Google call, not at start-up, and then
	// no more. While they give nothing (implicit ADC) every call looks
	// again. A logout clears it.
	selected bool
}

// NewManager returns a Manager that has read nothing yet: at the first
// call that needs an identity it takes the one remembered from an earlier
// kernel (see selectIdentity), so kernel start-up stays free of I/O.
func NewManager(opts ManagerOptions) *Manager {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LoginTimeout <= 0 {
		opts.LoginTimeout = 10 * time.Minute
	}
	if opts.FindDefaultCredentials == nil {
		opts.FindDefaultCredentials = google.FindDefaultCredentials
	}
	if len(opts.FallbackScopes) == 0 {
		opts.FallbackScopes = []string{ScopeCloudPlatform}
	}
	if opts.ConfigDir == "" {
		opts.ConfigDir = defaultConfigDir(opts.Getenv)
	}
	if opts.GcloudCommand == "" {
		opts.GcloudCommand = "gcloud"
	}
	if opts.GcloudTokenReuse <= 0 {
		opts.GcloudTokenReuse = 4 * time.Minute
	}
	return &Manager{
		opts:     opts,
		store:    &credStore{dir: filepath.Join(opts.ConfigDir, "credentials")},
		baseCtx:  context.WithValue(context.Background(), oauth2.HTTPClient, opts.HTTPClient),
		log:      opts.Logger,
		sessions: map[string]*userSession{},
	}
}

// defaultConfigDir follows the XDG base directory spec.
func defaultConfigDir(getenv func(string) string) string {
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "gokernel")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "gokernel")
}

// TokenSource implements Credentials with the precedence %auth user >
// explicit %auth use > Application Default Credentials, after the first
// call has taken the identity remembered from earlier kernels. For a
// signed-in account or gcloud it makes sure a token can be had now, so an
// expired sign-in fails here, with its message, and no request goes out
// without a token.
func (m *Manager) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	id, err := m.active(ctx)
	if err != nil {
		return nil, err
	}
	if id.user != nil || (id.fb != nil && id.fb.kind == choiceGcloud) {
		if _, err := id.ts.Token(); err != nil {
			return nil, err
		}
	}
	return id.ts, nil
}

// resolved is the active identity at one moment.
type resolved struct {
	ts      oauth2.TokenSource
	who     string
	project string
	user    *userSession
	fb      *fallbackIdentity
}

// errNotResolved is ensureSelected's answer when the remembered choice
// needs the network to resolve (ADC may ask a metadata server) and the
// caller must not block.
var errNotResolved = errors.New("not resolved yet")

func (m *Manager) active(ctx context.Context) (resolved, error) {
	if err := m.ensureSelected(ctx, true); err != nil {
		return resolved{}, err
	}
	m.mu.Lock()
	switch {
	case m.user != nil:
		u := m.user
		m.mu.Unlock()
		return resolved{ts: u, who: u.who(), project: m.userProject(u), user: u}, nil
	case m.explicit != nil:
		fb := m.explicit
		m.mu.Unlock()
		return resolved{ts: fb.ts, who: fb.who, project: m.fallbackProject(fb), fb: fb}, nil
	case m.adc != nil:
		fb := m.adc
		m.mu.Unlock()
		return resolved{ts: fb.ts, who: fb.who, project: m.fallbackProject(fb), fb: fb}, nil
	}
	m.mu.Unlock()
	fb, err := m.resolveADC(ctx, m.opts.FallbackScopes, false)
	if err != nil {
		return resolved{}, err
	}
	m.mu.Lock()
	if m.adc == nil {
		m.adc = fb
	}
	m.mu.Unlock()
	return m.active(ctx)
}

// ensureSelected gives a kernel in which nothing was chosen yet the
// identity selectIdentity picks from the remembered choice and the
// credential cache. It reads only local files, except for a remembered
// "adc", which it resolves only when network is true (else it returns
// errNotResolved). Errors (several accounts and no choice, a choice whose
// credential is gone, an unreadable file) are not remembered: the next call
// looks again, so fixing the cause in any kernel fixes this one.
func (m *Manager) ensureSelected(ctx context.Context, network bool) error {
	m.selMu.Lock()
	defer m.selMu.Unlock()
	m.mu.Lock()
	done := m.selected || m.user != nil || m.explicit != nil
	m.mu.Unlock()
	if done {
		return nil
	}
	choice, err := loadChoice(m.choicePath())
	if err != nil {
		return err
	}
	list, err := m.store.list()
	if err != nil {
		return err
	}
	cached := make([]string, len(list))
	for i, c := range list {
		cached[i] = c.account
	}
	sel := selectIdentity(choice, cached, m.store.dir)
	if sel.err != nil {
		return sel.err
	}
	var (
		u  *userSession
		fb *fallbackIdentity
	)
	switch sel.kind {
	case "":
	case choiceUser:
		c, path, err := m.store.load(sel.account)
		if err != nil {
			return fmt.Errorf("the cached sign-in for %s cannot be used: %w", sel.account, err)
		}
		u = m.sessionFromStored(c, path)
		u.origin = sel.origin
	default:
		if sel.kind == choiceADC && !network {
			return errNotResolved
		}
		fb, err = m.fallbackFromChoice(ctx, sel.choice)
		if err != nil {
			return fmt.Errorf("you chose %s in an earlier kernel, but it cannot be used now: %w "+
				"(choose again with %%auth use, or sign in with %%auth login)", sel.choice.describe(), err)
		}
		fb.origin = originRemembered
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.user != nil || m.explicit != nil {
		return nil // chosen in this kernel meanwhile: that wins
	}
	switch {
	case u != nil:
		m.sessions[u.account] = u
		m.user = u
		m.log.Info("auth: identity from the sign-in cache", "account", u.account, "origin", u.origin)
	case fb != nil:
		m.explicit = fb
		m.log.Info("auth: identity remembered from an earlier kernel", "kind", fb.kind)
	default:
		// Nothing cached or chosen: implicit ADC, but not for good. Look
		// again at the next call, so that a sign-in in another notebook
		// takes over from the VM's service account here too.
		return nil
	}
	m.selected = true
	return nil
}

// fallbackFromChoice builds the non-%auth identity a remembered choice names.
func (m *Manager) fallbackFromChoice(ctx context.Context, c *rememberedChoice) (*fallbackIdentity, error) {
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = m.opts.FallbackScopes
	}
	var (
		fb  *fallbackIdentity
		err error
	)
	switch c.Kind {
	case choiceADC:
		fb, err = m.resolveADC(ctx, scopes, true)
	case choiceServiceAccount:
		fb, err = m.loadServiceAccount(c.KeyFile, scopes)
	case choiceGcloud:
		fb = m.gcloudIdentity(ctx, c.Account)
		if c.Account == "" {
			// Name the account in status and the %bq footer (one quick,
			// local gcloud run at the first call, not at start-up).
			if a := fb.gcloud.activeAccount(); a != "" {
				fb.who = fmt.Sprintf("%s (gcloud CLI, via %%auth use gcloud)", a)
			}
		}
	default:
		err = fmt.Errorf("unknown kind %q", c.Kind)
	}
	if err != nil {
		return nil, err
	}
	if c.Project != "" {
		fb.project = c.Project
	}
	return fb, nil
}

// Who implements Credentials. It never blocks on the network: before ADC
// has been resolved it says so.
func (m *Manager) Who() string {
	if err := m.ensureSelected(context.Background(), false); err != nil {
		if errors.Is(err, errNotResolved) {
			return "Application Default Credentials (chosen with %auth use adc in an earlier kernel; not resolved yet)"
		}
		return "nobody yet (" + err.Error() + ")"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.user != nil:
		return m.user.who()
	case m.explicit != nil:
		return m.explicit.who
	case m.adc != nil:
		return m.adc.who
	}
	return "Application Default Credentials (not resolved yet; %auth login signs in as yourself)"
}

// Project implements Credentials: the %auth project, else the credential
// file's quota project, else $GOOGLE_CLOUD_PROJECT.
func (m *Manager) Project() string {
	_ = m.ensureSelected(context.Background(), false)
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.user != nil:
		return m.userProject(m.user)
	case m.explicit != nil:
		return m.fallbackProject(m.explicit)
	case m.adc != nil:
		return m.fallbackProject(m.adc)
	}
	return m.opts.Getenv("GOOGLE_CLOUD_PROJECT")
}

func (m *Manager) userProject(u *userSession) string {
	if u.project != "" {
		return u.project
	}
	return m.opts.Getenv("GOOGLE_CLOUD_PROJECT")
}

func (m *Manager) fallbackProject(fb *fallbackIdentity) string {
	if fb.project != "" {
		return fb.project
	}
	if p := m.opts.Getenv("GOOGLE_CLOUD_PROJECT"); p != "" {
		return p
	}
	return fb.detectedProject
}

// fallbackIdentity is a non-%auth identity: ADC, a service-account key or
// the gcloud CLI.
type fallbackIdentity struct {
	kind     string // choiceADC, choiceServiceAccount or choiceGcloud
	explicit bool
	// origin is originRemembered when an earlier kernel chose it, "" when
	// this one did (or, for implicit ADC, nobody).
	origin string
	who    string
	// project is the file's quota_project_id (or a key's project_id);
	// detectedProject is what the library found (e.g. the VM's project),
	// used only after $GOOGLE_CLOUD_PROJECT.
	project         string
	detectedProject string
	// source is where the credential comes from, for %auth status: a file
	// path, "metadata server" (a VM's attached service account: the place
	// a Workbench-specific description of that identity belongs), or the
	// gcloud command.
	source string
	scopes []string
	// email and vmScopes are the VM's service account and the scopes the
	// VM grants it (which bound its tokens), for ADC from a metadata server.
	email    string
	vmScopes []string
	ts       oauth2.TokenSource
	gcloud   *gcloudSource // for kind choiceGcloud
}

// credFileInfo is the non-secret part of a Google credential file.
type credFileInfo struct {
	Type           string `json:"type"`
	ClientEmail    string `json:"client_email"`
	ProjectID      string `json:"project_id"`
	QuotaProjectID string `json:"quota_project_id"`
	Account        string `json:"account"`
}

// resolveADC runs Google's ADC lookup and describes what it found.
func (m *Manager) resolveADC(ctx context.Context, scopes []string, explicit bool) (*fallbackIdentity, error) {
	// The lookup keeps its ctx for later refreshes, so it gets the
	// kernel-lifetime context; ctx only bounds the metadata email lookup.
	creds, err := m.opts.FindDefaultCredentials(m.baseCtx, scopes...)
	if err != nil {
		se := safeError(err)
		tried := se
		if m.opts.Getenv("GOOGLE_APPLICATION_CREDENTIALS") == "" {
			// The lookup's own message names none of the places it looked.
			tried = fmt.Errorf("%s, %w", m.adcTried(metadataHost()+" (not a Google Cloud VM)"), se)
		}
		if explicit {
			return nil, fmt.Errorf("no Application Default Credentials were found: %w", tried)
		}
		return nil, &noIdentityError{err: tried, msg: "no Google credentials: nobody is signed in with %auth and Application Default Credentials " +
			"were not found (run %auth login to sign in as yourself): " + tried.Error()}
	}
	fb := &fallbackIdentity{kind: choiceADC, explicit: explicit, scopes: scopes, detectedProject: creds.ProjectID,
		ts: wrapFallback(creds.TokenSource, "Application Default Credentials")}
	src := "gcloud application-default login file"
	if p := m.opts.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); p != "" {
		src = "$GOOGLE_APPLICATION_CREDENTIALS " + p
	}
	if len(creds.JSON) == 0 {
		return m.metadataIdentity(ctx, fb, explicit)
	}
	fb.source = src
	var info credFileInfo
	_ = json.Unmarshal(creds.JSON, &info) // already parsed by the library; only descriptive fields here
	fb.project = info.QuotaProjectID
	switch info.Type {
	case "service_account":
		fb.who = fmt.Sprintf("service account %s (Application Default Credentials, %s)", info.ClientEmail, src)
		if fb.project == "" {
			fb.project = info.ProjectID
		}
	case authorizedUser:
		name := "a Google account"
		if info.Account != "" {
			name = info.Account
		}
		fb.who = fmt.Sprintf("%s (Application Default Credentials, %s)", name, src)
	default:
		fb.who = fmt.Sprintf("%s credentials (Application Default Credentials, %s)", info.Type, src)
	}
	return fb, nil
}

// metadataTimeout bounds the metadata server lookups of resolveADC. The
// library retries a refused connection five times with backoff (about
// three seconds); a VM's metadata server answers in milliseconds.
const metadataTimeout = 10 * time.Second

// metadataHost is where Google's libraries send metadata requests: they
// read $GCE_METADATA_HOST from the real environment, not from Getenv.
func metadataHost() string {
	if h := os.Getenv("GCE_METADATA_HOST"); h != "" {
		return h
	}
	return "169.254.169.254"
}

// adcTried lists the places the ADC lookup looked, ending with the
// metadata server and what happened there.
func (m *Manager) adcTried(metadata string) string {
	gc := m.opts.Getenv("CLOUDSDK_CONFIG")
	if gc == "" {
		home := m.opts.Getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		gc = filepath.Join(home, ".config", "gcloud")
	}
	return fmt.Sprintf("tried $GOOGLE_APPLICATION_CREDENTIALS (not set), gcloud's ADC file %s (not found), the metadata server at %s",
		filepath.Join(gc, "application_default_credentials.json"), metadata)
}

// metadataIdentity completes fb, ADC from the metadata server: the VM's
// attached service account (on Vertex AI Workbench the identity a notebook
// has until someone signs in). The library trusts $GCE_METADATA_HOST
// without a probe, so ask the server now, bounded, for the account's email
// and scopes: an unreachable server then fails here, saying what was
// tried, instead of hanging or failing in the first query.
func (m *Manager) metadataIdentity(ctx context.Context, fb *fallbackIdentity, explicit bool) (*fallbackIdentity, error) {
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	host := metadataHost()
	email, err := metadata.EmailWithContext(ctx, "default")
	if err != nil && tokenWithin(ctx, fb.ts) == nil {
		// A server that gives tokens but no email (not GCE's, but a
		// stand-in may): usable, only unnamed.
		email, err = "(unknown)", nil
	}
	if err != nil {
		tried := fmt.Errorf("%s (%w)", m.adcTried(host), safeError(err))
		if explicit {
			return nil, fmt.Errorf("no Application Default Credentials could be used: %w", tried)
		}
		return nil, &noIdentityError{err: tried, msg: "no Google credentials: nobody is signed in with %auth and the VM's service account " +
			"could not be reached (run %auth login to sign in as yourself): " + tried.Error()}
	}
	if sc, err := metadata.ScopesWithContext(ctx, "default"); err == nil {
		fb.vmScopes = sc
	}
	if fb.detectedProject == "" {
		if p, err := metadata.ProjectIDWithContext(ctx); err == nil {
			fb.detectedProject = p
		}
	}
	fb.source = "metadata server at " + host
	fb.email = email
	fb.who = fmt.Sprintf("service account %s (VM service account, metadata server)", email)
	fb.ts = wrapFallback(fb.ts.(*fallbackSource).ts, "the VM's service account "+email+" (metadata server at "+host+")")
	return fb, nil
}

// tokenWithin gets a token from ts, giving up when ctx ends (the metadata
// library's token call takes no context).
func tokenWithin(ctx context.Context, ts oauth2.TokenSource) error {
	done := make(chan error, 1)
	go func() {
		_, err := ts.Token()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loadServiceAccount reads a key file for %auth use service-account.
func (m *Manager) loadServiceAccount(path string, scopes []string) (*fallbackIdentity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading service-account key: %w", err)
	}
	var info credFileInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s is not a service-account key file (%s)", path, syntaxOnly(err))
	}
	if info.Type != "service_account" {
		return nil, fmt.Errorf("%s is a %q credential, not a service-account key (type \"service_account\")", path, info.Type)
	}
	creds, err := google.CredentialsFromJSONWithType(m.baseCtx, data, google.ServiceAccount, scopes...)
	if err != nil {
		return nil, fmt.Errorf("loading service-account key %s: %w", path, safeError(err))
	}
	project := info.QuotaProjectID
	if project == "" {
		project = info.ProjectID
	}
	return &fallbackIdentity{
		kind: choiceServiceAccount, explicit: true, source: path, scopes: scopes, project: project,
		who: fmt.Sprintf("service account %s (key file %s, via %%auth use)", info.ClientEmail, path),
		ts:  wrapFallback(creds.TokenSource, "service account "+info.ClientEmail),
	}, nil
}

// fallbackSource keeps token endpoint responses out of error text.
type fallbackSource struct {
	ts   oauth2.TokenSource
	what string
}

func wrapFallback(ts oauth2.TokenSource, what string) oauth2.TokenSource {
	return &fallbackSource{ts: ts, what: what}
}

func (f *fallbackSource) Token() (*oauth2.Token, error) {
	t, err := f.ts.Token()
	if err != nil {
		return nil, fmt.Errorf("getting a token for %s: %w", f.what, safeError(err))
	}
	return t, nil
}

// userSession is one signed-in Google account. It is the TokenSource handed
// out for that account: it refreshes the access token when needed and, when
// the server rotates the refresh token, saves the new one at once so the
// cache never holds a dead token.
//
// Several kernels may share one cached credential. Each refresh therefore
// runs under the account's file lock and starts from the file (another
// kernel may have rotated the refresh token since this one read it), and a
// refresh the server refuses is retried once if the file changed meanwhile.
// A credential file that disappeared means a logout in another kernel.
type userSession struct {
	account  string
	scopes   []string // granted
	project  string
	path     string     // cache file; "" when memory only
	store    *credStore // nil when memory only
	cfg      *oauth2.Config
	revoke   string // revoke endpoint
	ctx      context.Context
	log      *slog.Logger
	clientID string
	// origin is "" when this kernel signed in or chose the account, else
	// originRemembered or originOnly (taken from the cache at the first call).
	origin string

	mu        sync.Mutex
	tok       *oauth2.Token
	expired   bool // the server said invalid_grant/invalid_rapt
	loggedOut bool
	// next is the newer session of the same account that replaced this
	// one (a new %auth login); token sources handed out earlier follow it.
	next *userSession
}

func (u *userSession) who() string {
	return fmt.Sprintf("%s (your Google account, via %%auth)", u.account)
}

// refreshTimeout bounds one call to the token endpoint, which runs under
// the account's file lock.
const refreshTimeout = 30 * time.Second

// errSignedOutElsewhere is returned for a session whose cached credential
// was deleted: by %auth logout in another kernel, or by hand.
func (u *userSession) errSignedOutElsewhere() error {
	return fmt.Errorf("%s was signed out (its cached credential %s is gone, e.g. %%auth logout in another kernel): run %%auth login", u.account, u.path)
}

// Token implements oauth2.TokenSource. The returned token carries only the
// access token: the refresh token never leaves this package.
func (u *userSession) Token() (*oauth2.Token, error) {
	u.mu.Lock()
	if next := u.next; next != nil {
		u.mu.Unlock()
		return next.Token()
	}
	defer u.mu.Unlock()
	if u.loggedOut {
		return nil, fmt.Errorf("%s signed out with %%auth logout: run %%auth login", u.account)
	}
	if u.store != nil {
		if _, err := os.Lstat(u.path); errors.Is(err, fs.ErrNotExist) {
			u.loggedOut = true
			u.log.Info("auth: cached credential removed elsewhere; signed out", "account", u.account)
			return nil, u.errSignedOutElsewhere()
		}
	}
	if u.expired {
		// Known dead: do not ask the server again on every call, unless
		// another kernel has signed in again since (the file changed).
		if !u.fileChangedLocked() {
			return nil, &signInExpiredError{account: u.account}
		}
		u.expired = false
	}
	if !u.tok.Valid() {
		if err := u.refreshLocked(); err != nil {
			return nil, err
		}
	}
	return &oauth2.Token{AccessToken: u.tok.AccessToken, TokenType: u.tok.Type(), Expiry: u.tok.Expiry}, nil
}

// fileChangedLocked reports whether the cache file now holds another
// refresh token than the session; u.mu is held.
func (u *userSession) fileChangedLocked() bool {
	if u.store == nil {
		return false
	}
	c, _, err := u.store.load(u.account)
	return err == nil && c.RefreshToken != u.tok.RefreshToken
}

// rereadLocked makes the session match its cache file, which another
// kernel may have rewritten (a rotated refresh token, a new sign-in); u.mu
// and the account's file lock are held.
func (u *userSession) rereadLocked() error {
	c, _, err := u.store.load(u.account)
	if errors.Is(err, errNotCached) {
		u.loggedOut = true
		return u.errSignedOutElsewhere()
	}
	if err != nil {
		return err
	}
	if c.RefreshToken == u.tok.RefreshToken {
		return nil
	}
	tokenURI := c.TokenURI
	if tokenURI == "" {
		tokenURI = googleTokenURL
	}
	cs := &clientSecrets{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURI: tokenURI}
	u.cfg = cs.oauthConfig("", nil)
	u.clientID = c.ClientID
	u.scopes = c.Scopes
	if c.RevokeURI != "" {
		u.revoke = c.RevokeURI
	}
	if c.QuotaProjectID != "" {
		u.project = c.QuotaProjectID
	}
	// The access token in memory belongs to the older grant; the caller
	// refreshes with the file's refresh token.
	u.tok = &oauth2.Token{RefreshToken: c.RefreshToken}
	u.log.Info("auth: cached credential changed by another kernel; using the file's", "account", u.account)
	return nil
}

// refreshLocked gets a new access token with the refresh token; u.mu is held.
func (u *userSession) refreshLocked() error {
	if u.store != nil {
		unlock, err := u.store.lock(u.account)
		if err != nil {
			return fmt.Errorf("refreshing the access token for %s: %w", u.account, err)
		}
		defer unlock()
		if err := u.rereadLocked(); err != nil {
			return err
		}
	}
	if u.tok.RefreshToken == "" {
		u.expired = true
		u.log.Warn("auth: no refresh token to refresh with", "account", u.account)
		return &signInExpiredError{account: u.account}
	}
	used := u.tok.RefreshToken
	nt, err := u.exchangeRefresh(used)
	if _, dead := isSignInExpired(err); dead && u.store != nil {
		// Refused: if the file changed meanwhile (a writer that does not
		// take the lock, e.g. an older gokernel), the file's token is the
		// live one.
		if rerr := u.rereadLocked(); rerr != nil {
			return rerr
		}
		if u.tok.RefreshToken != used {
			used = u.tok.RefreshToken
			nt, err = u.exchangeRefresh(used)
		}
	}
	if err != nil {
		if code, ok := isSignInExpired(err); ok {
			u.expired = true
			u.log.Warn("auth: refresh token rejected", "account", u.account, "error_code", code)
			return &signInExpiredError{account: u.account}
		}
		return fmt.Errorf("refreshing the access token for %s: %w", u.account, safeError(err, used, u.cfg.ClientSecret))
	}
	u.tok = nt
	u.expired = false
	u.log.Info("auth: access token refreshed", "account", u.account, "expiry", nt.Expiry)
	if nt.RefreshToken != "" && nt.RefreshToken != used && u.store != nil {
		if _, err := u.store.save(u.stored()); err != nil {
			// The new token still works in memory; the next kernel start
			// will ask for a new sign-in.
			u.log.Warn("auth: could not save the rotated refresh token", "account", u.account, "error", err.Error())
		} else {
			u.log.Info("auth: rotated refresh token saved", "account", u.account, "path", u.path)
		}
	}
	return nil
}

// exchangeRefresh runs one refresh grant, bounded by refreshTimeout.
func (u *userSession) exchangeRefresh(refreshToken string) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(u.ctx, refreshTimeout)
	defer cancel()
	return u.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// stored is the cache form of the session; u.mu is held or u is unshared.
func (u *userSession) stored() *storedCredential {
	return &storedCredential{
		Type: authorizedUser, ClientID: u.cfg.ClientID, ClientSecret: u.cfg.ClientSecret,
		RefreshToken: u.tok.RefreshToken, TokenURI: u.cfg.Endpoint.TokenURL, RevokeURI: u.revoke,
		Account: u.account, Scopes: u.scopes, QuotaProjectID: u.project,
	}
}

// sessionFromStored rebuilds a session from a cache file.
func (m *Manager) sessionFromStored(c *storedCredential, path string) *userSession {
	tokenURI := c.TokenURI
	if tokenURI == "" {
		tokenURI = googleTokenURL
	}
	revoke := c.RevokeURI
	if revoke == "" {
		revoke = googleRevokeURL
	}
	cs := &clientSecrets{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURI: tokenURI}
	return &userSession{
		account: c.Account, scopes: c.Scopes, project: c.QuotaProjectID, path: path, store: m.store,
		cfg: cs.oauthConfig("", nil), revoke: revoke, ctx: m.baseCtx, log: m.log, clientID: c.ClientID,
		tok: &oauth2.Token{RefreshToken: c.RefreshToken},
	}
}

// errNoUser is returned by commands that need a %auth user.
var errNoUser = errors.New("nobody is signed in with %auth")
