package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
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
		p, err := m.store.save(u.stored())
		if err != nil {
			return fmt.Errorf("signed in as %s, but saving the credential failed (use --no-cache to keep it in memory only): %w", account, err)
		}
		u.path = p
	}
	m.activate(u)
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
		list, err := m.store.list()
		if err != nil {
			return false, err
		}
		for _, c := range list {
			accounts = append(accounts, c.account)
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
			if _, err := m.store.save(u.stored()); err != nil {
				return false, err
			}
		}
		m.activate(u)
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
		if _, err := st.save(c); err != nil {
			m.log.Warn("auth: could not save project", "account", u.account, "error", err.Error())
		}
	}
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
}

// logout forgets the %auth user (or account), optionally revoking its
// refresh token at the server first.
func (m *Manager) logout(ctx context.Context, out kernel.Output, account string, revoke bool) error {
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
		return fmt.Errorf("%w, so there is nothing to log out; Google calls run as %s", errNoUser, m.Who())
	}
	u.mu.Lock()
	rt, at := u.tok.RefreshToken, u.tok.AccessToken
	u.loggedOut = true
	u.mu.Unlock()
	var revokeErr error
	if revoke {
		tok := rt
		if tok == "" {
			tok = at
		}
		revokeErr = m.revoke(ctx, u, tok)
	}
	m.mu.Lock()
	if m.user == u || (m.user != nil && m.user.account == u.account) {
		m.user = nil
	}
	delete(m.sessions, u.account)
	m.mu.Unlock()
	if err := m.store.remove(u.account); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Signed out of %s", u.account)
	if u.path != "" {
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

// use switches to a cached or in-kernel account, ADC or a service account.
func (m *Manager) use(ctx context.Context, out kernel.Output, target, keyPath, project string, scopes []string) error {
	switch target {
	case "adc":
		fb, err := m.resolveADC(ctx, scopes, true)
		if err != nil {
			return err
		}
		if project != "" {
			fb.project = project
		}
		m.mu.Lock()
		m.user, m.explicit = nil, fb
		m.mu.Unlock()
	case "service-account":
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
		m.mu.Lock()
		m.user, m.explicit = nil, fb
		m.mu.Unlock()
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
		m.activate(u)
	}
	out.Stream("stdout", fmt.Sprintf("Google calls from this kernel now run as %s.\n", m.Who()))
	if p := m.Project(); p != "" {
		out.Stream("stdout", fmt.Sprintf("Project: %s\n", p))
	}
	return nil
}

// status prints the active identity and what it may do.
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
			fmt.Fprintf(&b, "Type:            Google user account (OAuth client %s)\n", u.clientID)
			fmt.Fprintf(&b, "Scopes:          %s\n", strings.Join(shortScopes(u.scopes), ", "))
			switch {
			case u.loggedOut:
				b.WriteString("Access token:    signed out\n")
			case u.expired:
				b.WriteString("Access token:    sign-in expired: run %auth login\n")
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
			kind := "Application Default Credentials"
			if id.fb.kind == "service-account" {
				kind = "service-account key"
			}
			if id.fb.explicit {
				kind += " (chosen with %auth use)"
			}
			fmt.Fprintf(&b, "Type:            %s\n", kind)
			fmt.Fprintf(&b, "Scopes:          %s (requested)\n", strings.Join(shortScopes(id.fb.scopes), ", "))
			fmt.Fprintf(&b, "Source:          %s\n", id.fb.source)
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
	out.Stream("stdout", b.String())
	return nil
}

// shortScopes drops Google's URL prefix for display.
func shortScopes(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.TrimPrefix(v, "https://www.googleapis.com/auth/")
	}
	return out
}
