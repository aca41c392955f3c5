package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// gcloudTimeout bounds one run of the gcloud CLI (a Python program that
// may itself refresh a token over the network).
const gcloudTimeout = 60 * time.Second

// gcloudSource gets access tokens from the Google Cloud CLI with
// `gcloud auth print-access-token [--account EMAIL]`, the command the CLI
// documents for handing its sign-in to other programs. gcloud refreshes
// the token itself; gokernel never sees a refresh token. The command prints
// no expiry, so a token is used for reuse (less than the 5 minutes of life
// gcloud guarantees a printed token) and gcloud is asked again after that.
type gcloudSource struct {
	command string // "gcloud" or a path
	account string // --account; "" is gcloud's active account
	reuse   time.Duration
	ctx     context.Context
	log     *slog.Logger

	mu      sync.Mutex
	tok     *oauth2.Token
	fetched time.Time
	runs    int
}

// gcloudIdentity is the identity for %auth use gcloud [--account EMAIL].
// It runs nothing yet: the account's name is asked from gcloud at the
// first token, so that a remembered choice costs nothing at start-up.
func (m *Manager) gcloudIdentity(_ context.Context, account string) *fallbackIdentity {
	g := &gcloudSource{command: m.opts.GcloudCommand, account: account, reuse: m.opts.GcloudTokenReuse, ctx: m.baseCtx, log: m.log}
	name := account
	if name == "" {
		name = "gcloud's active account"
	}
	return &fallbackIdentity{
		kind: choiceGcloud, explicit: true, gcloud: g, ts: g,
		who:    fmt.Sprintf("%s (gcloud CLI, via %%auth use gcloud)", name),
		source: g.commandLine(),
	}
}

// commandLine is the command as run, for messages (it holds no secret).
func (g *gcloudSource) commandLine() string {
	args := append([]string{g.command}, g.args()...)
	return strings.Join(args, " ")
}

func (g *gcloudSource) args() []string {
	a := []string{"auth", "print-access-token"}
	if g.account != "" {
		a = append(a, "--account", g.account)
	}
	return a
}

// Token implements oauth2.TokenSource.
func (g *gcloudSource) Token() (*oauth2.Token, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tok != nil && time.Since(g.fetched) < g.reuse {
		return &oauth2.Token{AccessToken: g.tok.AccessToken, TokenType: "Bearer", Expiry: g.tok.Expiry}, nil
	}
	out, err := g.run(g.args()...)
	if err != nil {
		return nil, err
	}
	tok := strings.TrimSpace(out)
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		// Never quote the output: it may be a token with noise around it.
		return nil, fmt.Errorf("%s printed no access token (%d bytes of output, not one token)", g.commandLine(), len(out))
	}
	g.fetched = time.Now()
	g.runs++
	// Expiry is when gokernel asks again, not the token's own (gcloud does
	// not say): token sources that cache (oauth2.ReuseTokenSource) come
	// back here in time.
	g.tok = &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: g.fetched.Add(g.reuse)}
	g.log.Info("auth: access token from gcloud", "account", g.account, "reuse_until", g.tok.Expiry)
	return &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: g.tok.Expiry}, nil
}

// state is what %auth status shows: when the last token was fetched and
// until when it is reused.
func (g *gcloudSource) state() (fetched, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tok == nil {
		return time.Time{}, time.Time{}
	}
	return g.fetched, g.tok.Expiry
}

// activeAccount asks gcloud which account it uses when no --account is
// given; "" when it cannot say.
func (g *gcloudSource) activeAccount() string {
	if g.account != "" {
		return g.account
	}
	out, err := g.run("config", "get-value", "account")
	if err != nil {
		g.log.Info("auth: gcloud did not name its active account", "error", err.Error())
		return ""
	}
	a := strings.TrimSpace(out)
	if strings.ContainsAny(a, " \t\r\n") || !strings.Contains(a, "@") {
		return ""
	}
	return a
}

// run runs gcloud with args and returns its stdout. Errors say what to do:
// a missing CLI, or gcloud's own first lines of complaint (which name no
// secret: gcloud writes tokens only to stdout).
func (g *gcloudSource) run(args ...string) (string, error) {
	path, err := exec.LookPath(g.command)
	if err != nil {
		return "", fmt.Errorf("%%auth use gcloud needs the Google Cloud CLI, but %q was not found on $PATH (%w). "+
			"Install it (https://cloud.google.com/sdk/docs/install; Workbench VMs have it) and run gcloud auth login in a terminal, "+
			"or sign in here with %%auth login", g.command, err)
	}
	ctx, cancel := context.WithTimeout(g.ctx, gcloudTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		what := strings.Join(append([]string{g.command}, args...), " ")
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("%s did not answer within %v", what, gcloudTimeout)
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 600 {
			msg = msg[:600] + "…"
		}
		if msg == "" {
			msg = "no message"
		}
		return "", fmt.Errorf("%s failed (%w): %s", what, err, msg)
	}
	return stdout.String(), nil
}
