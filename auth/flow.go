package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gokernel/gokernel/kernel"
)

// pastePrompt is the input_request prompt. The reply is requested with
// password=true so the code is neither echoed nor saved in the notebook.
const pastePrompt = "Paste the address of the page your browser landed on (or just its code): "

// attempt is one run of the installed-app flow: a fresh PKCE verifier, a
// fresh state and a loopback listener that lives as long as the attempt.
type attempt struct {
	cfg      *oauth2.Config
	verifier string
	state    string
	authURL  string
	ln       net.Listener
	srv      *http.Server
	// callback receives the listener's result; buffered so the handler
	// never blocks once the attempt stopped listening.
	callback chan callbackResult
	log      *slog.Logger
}

type callbackResult struct {
	code string
	err  error
}

// randomState returns 32 random bytes, base64url: unguessable, so a page
// that redirects a browser to our listener cannot inject its own code.
func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newAttempt listens on an ephemeral loopback port and prepares the
// authorization URL for it.
func newAttempt(cs *clientSecrets, scopes []string, loginHint string, log *slog.Logger) (*attempt, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("opening the loopback listener for the sign-in redirect: %w", err)
	}
	state, err := randomState()
	if err != nil {
		ln.Close()
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	a := &attempt{
		cfg:      cs.oauthConfig(fmt.Sprintf("http://127.0.0.1:%d/", port), scopes),
		verifier: oauth2.GenerateVerifier(),
		state:    state,
		ln:       ln,
		callback: make(chan callbackResult, 1),
		log:      log,
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.AccessTypeOffline,
		oauth2.S256ChallengeOption(a.verifier),
		// Google issues a refresh token only on consent; a new login must
		// always yield one, or the cache would hold nothing usable.
		oauth2.ApprovalForce,
	}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	a.authURL = a.cfg.AuthCodeURL(a.state, opts...)
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go a.srv.Serve(ln)
	return a, nil
}

// close stops the listener; the browser tab, if any, already got its page.
func (a *attempt) close() {
	a.srv.Close()
}

// ServeHTTP receives the browser's redirect when it runs on this machine.
func (a *attempt) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if q.Get("state") != a.state {
		// Not ours (a stale tab, or a page trying to inject a code): refuse
		// it and keep waiting for the real redirect.
		a.log.Warn("auth: loopback redirect with unknown state ignored")
		writePage(w, http.StatusBadRequest, "This sign-in page does not belong to the notebook's current %auth attempt. Use the newest link.")
		return
	}
	res := callbackResult{code: q.Get("code")}
	switch {
	case q.Get("error") != "":
		res = callbackResult{err: fmt.Errorf("sign-in was not completed: the server answered %q", q.Get("error"))}
		writePage(w, http.StatusOK, "Sign-in was cancelled. You can close this tab.")
	case res.code == "":
		writePage(w, http.StatusBadRequest, "The redirect carried no authorization code.")
		return
	default:
		writePage(w, http.StatusOK, "Signed in. You can close this tab and go back to the notebook.")
	}
	select {
	case a.callback <- res:
	default: // a result is already pending; the first one wins
	}
}

func writePage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>gokernel %%auth</title><p>%s</p>\n", html.EscapeString(msg))
}

// show displays the link: HTML for the notebook, a plain twin for consoles.
func (a *attempt) show(out kernel.Output) {
	const instructions = "Open the link and sign in. If your browser then shows \"site can't be reached\" at 127.0.0.1, " +
		"copy that page's address from the address bar and paste it into the box below."
	u := html.EscapeString(a.authURL)
	out.Display(kernel.Display{
		Data: kernel.MIMEBundle{
			"text/html": fmt.Sprintf(`<p><a href="%s" target="_blank" rel="noopener noreferrer">Sign in with Google</a></p><p>%s</p>`,
				u, html.EscapeString(instructions)),
			"text/plain": "Sign in with Google: " + a.authURL + "\n" + instructions,
		},
		Metadata: map[string]any{},
	})
}

// wait returns the authorization code from whichever comes first: the
// browser's redirect to the listener or the user's paste. It never waits
// on the listener alone: if the front end cannot prompt, it fails at once.
func (a *attempt) wait(ctx context.Context, out kernel.Output, timeout time.Duration) (string, error) {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inputCtx, cancelInput := context.WithCancel(waitCtx)
	type pasteResult struct {
		text string
		err  error
	}
	pasted := make(chan pasteResult, 1)
	inputDone := make(chan struct{})
	go func() {
		defer close(inputDone)
		s, err := out.Input(inputCtx, pastePrompt, true)
		pasted <- pasteResult{s, err}
	}()
	defer func() {
		// Abandon the prompt (the front end withdraws it) and let the
		// goroutine finish; Input returns promptly once its ctx is done.
		cancelInput()
		select {
		case <-inputDone:
		case <-time.After(2 * time.Second):
			a.log.Warn("auth: input prompt did not return after cancellation")
		}
	}()
	timedOut := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sign-in interrupted: %w", err)
		}
		return fmt.Errorf("gave up waiting for sign-in after %v: run %%auth login again when you are ready", timeout)
	}
	select {
	case r := <-a.callback:
		a.log.Info("auth: authorization code received by the loopback listener")
		return r.code, r.err
	case p := <-pasted:
		if waitCtx.Err() != nil {
			return "", timedOut()
		}
		if p.err != nil {
			return "", fmt.Errorf("cannot ask for the sign-in address here (%w); run %%auth login in an interactive notebook "+
				"(stdin allowed) once, so the credential is cached, or use %%auth use service-account KEY.json", p.err)
		}
		a.log.Info("auth: authorization response pasted")
		return a.parsePaste(p.text)
	case <-waitCtx.Done():
		return "", timedOut()
	}
}

// parsePaste accepts the full redirect URL, its query string, or the bare
// code. A state that is present must be ours: a paste from another attempt
// (or someone else's link) is refused, never exchanged.
func (a *attempt) parsePaste(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("nothing was pasted: run %auth login again and paste the address of the page the browser landed on")
	}
	var q url.Values
	switch {
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		u, err := url.Parse(s)
		if err != nil {
			return "", errors.New("the pasted text looks like an address but cannot be parsed: copy the whole address bar")
		}
		q = u.Query()
	case strings.Contains(s, "code=") || strings.Contains(s, "state=") || strings.Contains(s, "error="):
		s = s[strings.IndexAny(s, "?")+1:]
		var err error
		if q, err = url.ParseQuery(s); err != nil {
			return "", errors.New("the pasted query string cannot be parsed: copy the whole address bar")
		}
	default:
		if strings.ContainsAny(s, " \t\r\n") {
			return "", errors.New("the pasted text is neither an address nor a code: copy the whole address bar")
		}
		return s, nil
	}
	if st, ok := q["state"]; ok && (len(st) != 1 || st[0] != a.state) {
		return "", errors.New("the pasted address belongs to a different sign-in attempt (its state does not match this one), " +
			"so it was refused: run %auth login again and paste the address from the newest link")
	}
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("sign-in was not completed: the server answered %q", e)
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("the pasted address has no code in it: paste the address of the page the browser landed on after you signed in")
	}
	return code, nil
}

// exchange trades the code for tokens, proving possession of the verifier.
func (a *attempt) exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	tok, err := a.cfg.Exchange(ctx, code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		return nil, fmt.Errorf("the sign-in server refused the authorization code: %w",
			safeError(err, code, a.verifier, a.cfg.ClientSecret))
	}
	if tok.RefreshToken == "" {
		a.log.Warn("auth: token response had no refresh token; credential lasts only until the access token expires")
	}
	return tok, nil
}
