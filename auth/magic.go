package auth

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

const usage = `usage:
  %auth                       sign in (same as %auth login; reuses a cached credential that fits)
  %auth login [--account EMAIL] [--client-secrets PATH] [--scopes S1,S2] [--drive]
              [--project ID] [--no-cache] [--force]
  %auth status                who Google calls run as and why, scopes, token expiry, project, cache
  %auth use EMAIL | adc | service-account KEY.json | gcloud [--account EMAIL]  [--project ID] [--drive]
  %auth logout [--revoke] [EMAIL]

Signs the kernel in as you with Google's installed-app OAuth flow (PKCE, loopback
redirect). Open the link; if the browser ends on "site can't be reached" at
127.0.0.1, paste that page's address into the box that appears (it is hidden and
not saved in the notebook).

The OAuth client ("Desktop app" client_secrets.json) comes from --client-secrets,
else $GOKERNEL_CLIENT_SECRETS, else $XDG_CONFIG_HOME/gokernel/client_secrets.json.
Credentials are cached in $XDG_CONFIG_HOME/gokernel/credentials/EMAIL.json (0600).

The identity lasts: %auth login and %auth use are remembered (in
$XDG_CONFIG_HOME/gokernel/identity.json), and every later kernel starts as the
identity last chosen; with no choice, as the only cached account. With several
cached accounts and no choice, nothing is guessed: %auth status lists them.
An expired sign-in is an error ("run %auth login"), never a silent switch to
the VM's service account.

Precedence for every Google call: the %auth user, else %auth use adc|service-account|gcloud,
else Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC file, VM),
used only when nothing is cached or chosen.

login options:
  --account EMAIL        sign in as (or reuse the cached credential of) this account
  --client-secrets PATH  the Desktop-app OAuth client file
  --scopes S1,S2         scopes to request instead of BigQuery ("openid email" are always added)
  --drive                also request Drive read-only (Sheets-backed tables)
  --project ID           quota/billing project to report to other magics
  --no-cache             keep the credential in memory only (shared machines)
  --force                sign in again even if a cached credential fits
use options:
  gcloud [--account EMAIL]  tokens from "gcloud auth print-access-token" (the account gcloud
                         has active, or EMAIL), asked again every few minutes
logout options:
  --revoke               also revoke the refresh token at the server (works from any kernel)`

// authMagic is the %auth command.
type authMagic struct{ m *Manager }

// NewMagic returns the %auth magic bound to m, so the identity it signs in
// is the one every other magic gets from m.
func NewMagic(m *Manager) magics.Magic { return authMagic{m: m} }

func (authMagic) Name() string { return "auth" }
func (authMagic) Summary() string {
	return "sign in to Google as yourself; status, switch identity, logout"
}
func (authMagic) Usage() string { return usage }

func (a authMagic) usageErr(msg string) error {
	return &magics.UsageError{Magic: "auth", Msg: msg, Usage: usage}
}

// parse runs fs over args, turning flag errors into usage errors.
func (a authMagic) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, a.usageErr(err.Error())
	}
	return fs.Args(), nil
}

// Run implements magics.Magic.
func (a authMagic) Run(ctx context.Context, inv magics.Invocation, env magics.Env) (kernel.ExecuteResult, error) {
	if strings.TrimSpace(inv.Body) != "" {
		return kernel.ExecuteResult{}, a.usageErr("%auth is a line magic: put nothing after its line")
	}
	args := inv.Args
	cmd := "login"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "login":
		err = a.runLogin(ctx, args, env)
	case "status":
		if len(args) > 0 {
			return kernel.ExecuteResult{}, a.usageErr("status takes no arguments")
		}
		err = a.m.status(ctx, env.Out)
	case "use":
		err = a.runUse(ctx, args, env)
	case "logout":
		err = a.runLogout(ctx, args, env)
	default:
		return kernel.ExecuteResult{}, a.usageErr(fmt.Sprintf("unknown command %q", cmd))
	}
	return kernel.ExecuteResult{}, err
}

func (a authMagic) runLogin(ctx context.Context, args []string, env magics.Env) error {
	fs := magics.NewFlagSet("auth login", io.Discard)
	var req loginRequest
	var scopes string
	var drive bool
	fs.StringVar(&req.account, "account", "", "")
	fs.StringVar(&req.clientSecrets, "client-secrets", "", "")
	fs.StringVar(&scopes, "scopes", "", "")
	fs.BoolVar(&drive, "drive", false, "")
	fs.StringVar(&req.project, "project", "", "")
	fs.BoolVar(&req.noCache, "no-cache", false, "")
	fs.BoolVar(&req.force, "force", false, "")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	// --scopes may be given as several words: %auth login --scopes a b
	if scopes != "" {
		for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			scopes += "," + rest[0]
			rest = rest[1:]
		}
		if len(rest) > 0 {
			if rest, err = a.parse(fs, rest); err != nil {
				return err
			}
		}
	}
	if len(rest) > 0 {
		return a.usageErr(fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	if scopes != "" {
		req.scopes = normalizeScopes([]string{scopes})
	} else {
		req.scopes = []string{ScopeBigQuery}
	}
	if drive {
		req.scopes = append(req.scopes, ScopeDriveReadOnly)
	}
	return a.m.login(ctx, env.Out, env.AllowStdin, req)
}

func (a authMagic) runUse(ctx context.Context, args []string, env magics.Env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return a.usageErr("use needs EMAIL, adc, gcloud or service-account KEY.json")
	}
	target, args := args[0], args[1:]
	keyPath := ""
	if target == "service-account" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return a.usageErr("use service-account needs the key file's path")
		}
		keyPath, args = args[0], args[1:]
	}
	fs := magics.NewFlagSet("auth use", io.Discard)
	project := fs.String("project", "", "")
	drive := fs.Bool("drive", false, "")
	account := ""
	if target == choiceGcloud {
		fs.StringVar(&account, "account", "", "")
	}
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return a.usageErr(fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	if target == choiceGcloud && *drive {
		return a.usageErr("--drive does not apply to gcloud: its tokens carry the scopes of gcloud auth login (--enable-gdrive-access)")
	}
	scopes := append([]string(nil), a.m.opts.FallbackScopes...)
	if *drive {
		scopes = append(scopes, ScopeDriveReadOnly)
	}
	return a.m.use(ctx, env.Out, target, keyPath, account, *project, scopes)
}

func (a authMagic) runLogout(ctx context.Context, args []string, env magics.Env) error {
	fs := magics.NewFlagSet("auth logout", io.Discard)
	revoke := fs.Bool("revoke", false, "")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	account := ""
	if len(rest) > 0 {
		account, rest = rest[0], rest[1:]
		if len(rest) > 0 {
			if rest, err = a.parse(fs, rest); err != nil {
				return err
			}
		}
	}
	if len(rest) > 0 {
		return a.usageErr(fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	return a.m.logout(ctx, env.Out, account, *revoke)
}
