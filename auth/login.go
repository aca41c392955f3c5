package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gokernel/gokernel/kernel"
)

// loginRequest is a parsed %auth login.
type loginRequest struct {
	account       string
	clientSecrets string
	scopes        []string // as asked; identity scopes are added
	noCache       bool
	force         bool
	project       string
}

// login makes req's account the kernel's identity: from this kernel's
// memory or the cache when a credential covers the scopes, else through the
// browser flow.
func (m *Manager) login(ctx context.Context, out kernel.Output, allowStdin bool, req loginRequest) error {
	wanted := normalizeScopes(append(slices.Clone(req.scopes), "openid", "email"))
	if !req.force {
		done, err := m.reuse(out, req, wanted)
		if done || err != nil {
			return err
		}
	}
	if !allowStdin {
		// Without stdin the user could not paste, and waiting for a browser
		// that nobody opens would hang a scheduled run until the timeout.
		return errors.New("%auth login needs an interactive notebook, but this run does not allow input " +
			"(allow_stdin is false, e.g. papermill or nbconvert). Run %auth login once interactively so the " +
			"credential is cached, or use %auth use service-account KEY.json")
	}
	path := clientSecretsPath(req.clientSecrets, m.opts.Getenv, m.opts.ConfigDir)
	cs, err := loadClientSecrets(path, clientSecretsPath("", func(string) string { return "" }, m.opts.ConfigDir))
	if err != nil {
		return err
	}
	a, err := newAttempt(cs, wanted, req.account, m.log)
	if err != nil {
		return err
	}
	defer a.close()
	start := time.Now()
	a.show(out)
	code, err := a.wait(ctx, out, m.opts.LoginTimeout)
	if err != nil {
		return err
	}
	tok, err := a.exchange(context.WithValue(ctx, oauth2.HTTPClient, m.opts.HTTPClient), code)
	if err != nil {
		return err
	}
	return m.finishLogin(out, req, cs, wanted, tok, start)
}

// finishLogin records a fresh token: who it is, what it may do, where it is kept.
func (m *Manager) finishLogin(out kernel.Output, req loginRequest, cs *clientSecrets, wanted []string, tok *oauth2.Token, start time.Time) error {
	account := ""
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		if c, err := decodeIDToken(raw); err == nil {
			account = c.Email
		} else {
			m.log.Warn("auth: unreadable id_token", "error", err.Error())
		}
	}
	noCache := req.noCache
	if account == "" {
		out.Stream("stderr", "Warning: the server did not say which account signed in (no email in the id_token); "+
			"the credential is kept in memory only.\n")
		account = req.account
		if account == "" {
			account = "unknown-account"
		}
		noCache = true
	}
	if req.account != "" && !strings.EqualFold(req.account, account) {
		out.Stream("stderr", fmt.Sprintf("Warning: you asked for %s but signed in as %s.\n", req.account, account))
	}
	granted := wanted
	if s, _ := tok.Extra("scope").(string); s != "" {
		// RFC 6749 §5.1: scope is present when it differs from the request.
		granted = normalizeScopes(strings.Fields(s))
	}
	revoke := cs.RevokeURI
	if revoke == "" {
		revoke = googleRevokeURL
	}
	u := &userSession{
		account: account, scopes: granted, project: req.project, cfg: cs.oauthConfig("", nil),
		revoke: revoke, ctx: m.baseCtx, log: m.log, clientID: cs.ClientID, tok: tok,
	}
	if !noCache {
		u.store = m.store
		p, err := m.saveLocked(u.stored())
		if err != nil {
			return fmt.Errorf("signed in as %s, but saving the credential failed (use --no-cache to keep it in memory only): %w", account, err)
		}
		u.path = p
	}
	m.activate(u)
	m.remember(out, u)
	m.log.Info("auth: signed in", "account", account, "cached", !noCache, "elapsed", time.Since(start))

	var b strings.Builder
	fmt.Fprintf(&b, "Signed in as %s.\n", account)
	fmt.Fprintf(&b, "Scopes granted: %s\n", strings.Join(shortScopes(granted), ", "))
	if u.path != "" {
		fmt.Fprintf(&b, "Credentials saved to %s (readable only by you).\n", u.path)
	} else {
		b.WriteString("Credentials are kept in memory only: they are gone when the kernel stops.\n")
	}
	fmt.Fprintf(&b, "Google calls from this kernel now run as %s.\n", u.who())
	out.Stream("stdout", b.String())
	if missing := missingScopes(granted, wanted); len(missing) > 0 {
		out.Stream("stderr", fmt.Sprintf("Warning: you did not grant %s; what needs it will fail with a permission error. "+
			"Run %%auth login --force and tick every box to grant it.\n", strings.Join(shortScopes(missing), ", ")))
	}
	return nil
}

// reuse activates an existing credential that covers wanted, verifying a
// cached one with a refresh so a dead token leads to a new sign-in instead
// of an error later.
func (m *Manager) reuse(out kernel.Output, req loginRequest, wanted []string) (bool, error) {
	m.mu.Lock()
	var candidates []*userSession
	if req.account != "" {
		if u := m.sessions[req.account]; u != nil {
			candidates = append(candidates, u)
		}
	} else if m.user != nil {
		candidates = append(candidates, m.user)
	}
	m.mu.Unlock()
	for _, u := range candidates {
		u.mu.Lock()
		ok := !u.expired && !u.loggedOut && len(missingScopes(u.scopes, wanted)) == 0
		u.mu.Unlock()
		if ok {
			if req.project != "" {
				m.setProject(u, req.project)
			}
			m.activate(u)
			m.remember(out, u)
			out.Stream("stdout", fmt.Sprintf("Already signed in as %s in this kernel; Google calls run as %s.\n", u.account, u.who()))
			return true, nil
		}
	}
	if req.noCache {
		return false, nil
	}
	var accounts []string
	if req.account != "" {
		accounts = []string{req.account}
	} else {
		// The account last chosen, else the only cached one; with several
		// and no choice, sign in anew (the user picks in the browser)
		// instead of guessing.
		list, err := m.store.list()
		if err != nil {
			return false, err
		}
		choice, _ := loadChoice(m.choicePath())
		cached := make([]string, len(list))
		for i, c := range list {
			cached[i] = c.account
		}
		switch sel := selectIdentity(choice, cached, m.store.dir); {
		case sel.kind == choiceUser:
			accounts = []string{sel.account}
		case len(cached) == 1:
			accounts = cached
		case len(cached) > 1:
			out.Stream("stderr", fmt.Sprintf("Several accounts are cached (%s) and none is the remembered choice: signing in anew. "+
				"(%%auth use EMAIL switches to a cached one without a browser.)\n", strings.Join(cached, ", ")))
		}
	}
	for _, acct := range accounts {
		c, path, err := m.store.load(acct)
		if errors.Is(err, errNotCached) {
			continue
		}
		if err != nil {
			out.Stream("stderr", "Not using a cached credential: "+err.Error()+"\n")
			continue
		}
		if len(missingScopes(c.Scopes, wanted)) > 0 {
			continue
		}
		u := m.sessionFromStored(c, path)
		if req.project != "" {
			u.project = req.project
		}
		if _, err := u.Token(); err != nil {
			if errors.Is(err, ErrSignInExpired) {
				out.Stream("stderr", fmt.Sprintf("The cached sign-in for %s has expired or was revoked; signing in again.\n", acct))
				continue
			}
			return false, fmt.Errorf("checking the cached credential for %s: %w", acct, err)
		}
		if req.project != "" {
			if _, err := m.saveLocked(u.stored()); err != nil {
				return false, err
			}
		}
		m.activate(u)
		m.remember(out, u)
		out.Stream("stdout", fmt.Sprintf("Signed in as %s (reusing the cached credential at %s).\nScopes: %s\n"+
			"Google calls from this kernel now run as %s.\n", u.account, path, strings.Join(shortScopes(u.scopes), ", "), u.who()))
		return true, nil
	}
	return false, nil
}

func (m *Manager) setProject(u *userSession, project string) {
	u.mu.Lock()
	u.project = project
	st := u.store
	c := u.stored()
	u.mu.Unlock()
	if st != nil {
		if _, err := m.saveLocked(c); err != nil {
			m.log.Warn("auth: could not save project", "account", u.account, "error", err.Error())
		}
	}
}

// saveLocked writes a credential under its account's lock, so it never
// interleaves with another kernel's refresh of the same file.
func (m *Manager) saveLocked(c *storedCredential) (string, error) {
	unlock, err := m.store.lock(c.Account)
	if err != nil {
		return "", err
	}
	defer unlock()
	return m.store.save(c)
}

// remember records u as the identity later kernels start with, when it is
// cached (a memory-only sign-in cannot outlive this kernel).
func (m *Manager) remember(out kernel.Output, u *userSession) {
	if u.store == nil {
		return
	}
	m.rememberChoice(out, &rememberedChoice{Kind: choiceUser, Account: u.account})
}

// rememberChoice saves c; failing to is worth a warning, not a failed cell.
func (m *Manager) rememberChoice(out kernel.Output, c *rememberedChoice) {
	if err := saveChoice(m.choicePath(), c); err != nil {
		out.Stream("stderr", fmt.Sprintf("Warning: could not remember this choice for later kernels: %v\n", err))
		return
	}
	m.log.Info("auth: identity choice remembered", "kind", c.Kind, "path", m.choicePath())
}

// activate makes u the %auth user, which outranks every other identity.
func (m *Manager) activate(u *userSession) {
	u.mu.Lock()
	u.next = nil // the active session is the end of its chain, never a cycle
	u.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.sessions[u.account]; old != nil && old != u {
		old.mu.Lock()
		old.next = u // same account, newer credential: earlier token sources follow it
		old.mu.Unlock()
	}
	m.sessions[u.account] = u
	m.user = u
	m.selected = true
}

// logout forgets the %auth user (or the named account) in this kernel and
// deletes its cached credential, optionally revoking the refresh token at
// the client file's revoke_uri first. It works from any kernel: an account
// this kernel never signed in is found in the cache, and the token revoked
// is the file's latest (another kernel may have rotated it).
func (m *Manager) logout(ctx context.Context, out kernel.Output, account string, revoke bool) error {
	if err := m.ensureSelected(ctx, false); err != nil && !errors.Is(err, errNotResolved) && account == "" {
		return fmt.Errorf("%w; to log out of one of them, name it: %%auth logout [--revoke] EMAIL", err)
	}
	m.mu.Lock()
	u := m.user
	if account != "" {
		u = m.sessions[account]
	}
	m.mu.Unlock()
	if u == nil && account != "" {
		// Not signed in this kernel, but maybe cached from an earlier one.
		c, path, err := m.store.load(account)
		if err != nil && !errors.Is(err, errNotCached) {
			return err
		}
		if c != nil {
			u = m.sessionFromStored(c, path)
		}
	}
	if u == nil {
		if account != "" {
			return fmt.Errorf("%s is neither signed in in this kernel nor cached in %s, so there is nothing to log out", account, m.store.dir)
		}
		return fmt.Errorf("%w, so there is nothing to log out; Google calls run as %s", errNoUser, m.Who())
	}
	u.mu.Lock()
	rt, at := u.tok.RefreshToken, u.tok.AccessToken
	u.loggedOut = true
	u.mu.Unlock()
	var revokeErr error
	removed := false
	err := func() error {
		unlock, err := m.store.lock(u.account)
		if err != nil {
			return err
		}
		defer unlock()
		if c, _, err := m.store.load(u.account); err == nil {
			rt, removed = c.RefreshToken, true
			if c.RevokeURI != "" {
				u.revoke = c.RevokeURI // the client file's, as saved at sign-in
			}
		}
		if revoke {
			tok := rt
			if tok == "" {
				tok = at
			}
			revokeErr = m.revoke(ctx, u, tok)
		}
		return m.store.remove(u.account)
	}()
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.user == u || (m.user != nil && m.user.account == u.account) {
		m.user = nil
		// Select again at the next call, as a new kernel would (unless
		// something chosen with %auth use in this kernel outranks it).
		m.selected = false
	}
	delete(m.sessions, u.account)
	m.mu.Unlock()
	if c, err := loadChoice(m.choicePath()); err == nil && c != nil && c.Kind == choiceUser && c.Account == u.account {
		if err := os.Remove(m.choicePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			out.Stream("stderr", fmt.Sprintf("Warning: could not forget %s as the remembered choice: %v\n", u.account, err))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Signed out of %s", u.account)
	if removed {
		b.WriteString("; its cached credential was deleted")
	}
	if revoke && revokeErr == nil {
		b.WriteString("; the token was revoked at the server")
	}
	fmt.Fprintf(&b, ".\nGoogle calls now run as %s.\n", m.Who())
	out.Stream("stdout", b.String())
	if revokeErr != nil {
		return fmt.Errorf("signed out locally, but revoking the token failed (revoke it at https://myaccount.google.com/permissions): %w", revokeErr)
	}
	m.log.Info("auth: signed out", "account", u.account, "revoked", revoke)
	return nil
}

// revoke posts the token to the revoke endpoint (RFC 7009).
func (m *Manager) revoke(ctx context.Context, u *userSession, token string) error {
	if token == "" {
		return errors.New("no token to revoke")
	}
	form := url.Values{"token": {token}, "client_id": {u.cfg.ClientID}}
	if u.cfg.ClientSecret != "" {
		form.Set("client_secret", u.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.revoke, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke endpoint %q: %w", u.revoke, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := m.opts.HTTPClient.Do(req)
	if err != nil {
		return safeError(err, token, u.cfg.ClientSecret)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke endpoint %s answered %s", u.revoke, resp.Status)
	}
	return nil
}

// use switches to a cached or in-kernel account, ADC, a service account or
// the gcloud CLI, and remembers the choice for later kernels.
func (m *Manager) use(ctx context.Context, out kernel.Output, target, keyPath, account, project string, scopes []string) error {
	var choice *rememberedChoice
	switch target {
	case choiceADC:
		fb, err := m.resolveADC(ctx, scopes, true)
		if err != nil {
			return err
		}
		if project != "" {
			fb.project = project
		}
		m.setExplicit(fb)
		choice = &rememberedChoice{Kind: choiceADC, Project: project, Scopes: scopes}
	case choiceServiceAccount:
		fb, err := m.loadServiceAccount(keyPath, scopes)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
			out.Stream("stderr", fmt.Sprintf("Warning: %s has mode %04o, so other users can read this key; chmod 600 it.\n", keyPath, fi.Mode().Perm()))
		}
		if project != "" {
			fb.project = project
		}
		m.setExplicit(fb)
		abs, err := filepath.Abs(keyPath)
		if err != nil {
			abs = keyPath
		}
		choice = &rememberedChoice{Kind: choiceServiceAccount, KeyFile: abs, Project: project, Scopes: scopes}
	case choiceGcloud:
		fb := m.gcloudIdentity(ctx, account)
		// Ask for a token now: a missing CLI or a gcloud that is not signed
		// in should fail here, not in the next query.
		if _, err := fb.ts.Token(); err != nil {
			return err
		}
		if a := fb.gcloud.activeAccount(); a != "" && account == "" {
			fb.who = fmt.Sprintf("%s (gcloud CLI, via %%auth use gcloud)", a)
		}
		if project != "" {
			fb.project = project
		}
		m.setExplicit(fb)
		choice = &rememberedChoice{Kind: choiceGcloud, Account: account, Project: project}
	default:
		m.mu.Lock()
		u := m.sessions[target]
		m.mu.Unlock()
		if u == nil {
			c, path, err := m.store.load(target)
			if errors.Is(err, errNotCached) {
				return fmt.Errorf("no credential for %s in this kernel or in %s: run %%auth login --account %s", target, m.store.dir, target)
			}
			if err != nil {
				return err
			}
			u = m.sessionFromStored(c, path)
		}
		if project != "" {
			m.setProject(u, project)
		}
		u.mu.Lock()
		u.origin = ""
		u.mu.Unlock()
		m.activate(u)
		if u.store != nil {
			choice = &rememberedChoice{Kind: choiceUser, Account: u.account}
		}
	}
	if choice != nil {
		m.rememberChoice(out, choice)
	}
	out.Stream("stdout", fmt.Sprintf("Google calls from this kernel now run as %s.\n", m.Who()))
	if p := m.Project(); p != "" {
		out.Stream("stdout", fmt.Sprintf("Project: %s\n", p))
	}
	if choice != nil {
		out.Stream("stdout", "Later kernels start with this identity too (remembered in "+m.choicePath()+").\n")
	}
	return nil
}

// setExplicit makes fb the identity chosen in this kernel.
func (m *Manager) setExplicit(fb *fallbackIdentity) {
	m.mu.Lock()
	m.user, m.explicit, m.selected = nil, fb, true
	m.mu.Unlock()
}

// status prints the active identity, where it came from and what it may do.
func (m *Manager) status(ctx context.Context, out kernel.Output) error {
	var b strings.Builder
	id, err := m.active(ctx)
	if err != nil {
		fmt.Fprintf(&b, "Active identity: none\n  %v\n", err)
	} else {
		fmt.Fprintf(&b, "Active identity: %s\n", id.who)
		switch {
		case id.user != nil:
			u := id.user
			u.mu.Lock()
			fmt.Fprintf(&b, "Chosen by:       %s\n", m.userOrigin(u.origin))
			fmt.Fprintf(&b, "Type:            Google user account (OAuth client %s)\n", u.clientID)
			fmt.Fprintf(&b, "Scopes:          %s\n", strings.Join(shortScopes(u.scopes), ", "))
			switch {
			case u.loggedOut:
				b.WriteString("Access token:    signed out\n")
			case u.expired:
				fmt.Fprintf(&b, "Access token:    %v\n", &signInExpiredError{account: u.account})
			case u.tok.AccessToken == "" || u.tok.Expiry.IsZero():
				b.WriteString("Access token:    none yet (fetched on first use)\n")
			case u.tok.Valid():
				fmt.Fprintf(&b, "Access token:    valid until %s (%s left; refreshed automatically)\n",
					u.tok.Expiry.Format(time.RFC3339), time.Until(u.tok.Expiry).Round(time.Second))
			default:
				fmt.Fprintf(&b, "Access token:    expired at %s (refreshed on next use)\n", u.tok.Expiry.Format(time.RFC3339))
			}
			if u.path != "" {
				fmt.Fprintf(&b, "Credentials:     %s\n", u.path)
			} else {
				b.WriteString("Credentials:     memory only (--no-cache)\n")
			}
			u.mu.Unlock()
		case id.fb != nil:
			m.describeFallback(&b, id.fb)
		}
		proj := m.Project()
		if proj == "" {
			proj = "(none: pass --project to %auth login or set $GOOGLE_CLOUD_PROJECT)"
		}
		fmt.Fprintf(&b, "Project:         %s\n", proj)
	}
	fmt.Fprintf(&b, "Cache:           %s\n", m.store.dir)
	if list, err := m.store.list(); err == nil && len(list) > 0 {
		names := make([]string, len(list))
		for i, c := range list {
			names[i] = c.account
		}
		fmt.Fprintf(&b, "Cached accounts: %s\n", strings.Join(names, ", "))
	}
	if c, err := loadChoice(m.choicePath()); err == nil && c != nil {
		fmt.Fprintf(&b, "Remembered:      %s (%s)\n", c.describe(), m.choicePath())
	}
	out.Stream("stdout", b.String())
	return nil
}

// userOrigin says why the account is the identity.
func (m *Manager) userOrigin(origin string) string {
	switch origin {
	case originRemembered:
		return "the sign-in cache: the account last chosen with %auth login or %auth use (remembered in " + m.choicePath() + ")"
	case originOnly:
		return "the sign-in cache: the only cached account"
	}
	return "%auth in this kernel"
}

// describeFallback writes the status lines of a non-%auth identity.
func (m *Manager) describeFallback(b *strings.Builder, fb *fallbackIdentity) {
	chosen := "nothing signed in, cached or chosen: Application Default Credentials are the default"
	switch {
	case fb.origin == originRemembered:
		chosen = "%auth use in an earlier kernel (remembered in " + m.choicePath() + ")"
	case fb.explicit:
		chosen = "%auth use in this kernel"
	}
	fmt.Fprintf(b, "Chosen by:       %s\n", chosen)
	switch fb.kind {
	case choiceGcloud:
		b.WriteString("Type:            gcloud (Google Cloud CLI sign-in, tokens from gcloud auth print-access-token)\n")
		fmt.Fprintf(b, "Source:          %s\n", fb.source)
		if fetched, until := fb.gcloud.state(); !fetched.IsZero() {
			fmt.Fprintf(b, "Access token:    from gcloud at %s, asked again after %s\n", fetched.Format(time.RFC3339), until.Format(time.RFC3339))
		} else {
			b.WriteString("Access token:    none yet (asked from gcloud on first use)\n")
		}
		return
	case choiceServiceAccount:
		b.WriteString("Type:            service-account key\n")
	default:
		if fb.email != "" {
			// ADC from a VM's metadata server (Vertex AI Workbench): the
			// VM's attached service account.
			b.WriteString("Type:            Application Default Credentials: VM service account (metadata server)\n")
			fmt.Fprintf(b, "Account:         %s\n", fb.email)
			vm := ""
			if len(fb.vmScopes) > 0 {
				// The VM's scopes bound its tokens whatever is requested.
				vm = "; the VM allows " + strings.Join(shortScopes(fb.vmScopes), ", ")
			}
			fmt.Fprintf(b, "Scopes:          %s (requested)%s\n", strings.Join(shortScopes(fb.scopes), ", "), vm)
			fmt.Fprintf(b, "Source:          %s\n", fb.source)
			return
		}
		b.WriteString("Type:            Application Default Credentials\n")
	}
	fmt.Fprintf(b, "Scopes:          %s (requested)\n", strings.Join(shortScopes(fb.scopes), ", "))
	fmt.Fprintf(b, "Source:          %s\n", fb.source)
}

// shortScopes drops Google's URL prefix for display.
func shortScopes(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.TrimPrefix(v, "https://www.googleapis.com/auth/")
	}
	return out
}
