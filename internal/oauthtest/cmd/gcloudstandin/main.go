// Command gcloudstandin stands in for the Google Cloud CLI (gcloud) in
// tests, which cannot install the real one: built as an executable named
// "gcloud" and put on $PATH, it answers the few commands gokernel's
// %auth use gcloud runs, with real tokens from the oauthtest server.
//
//	gcloud auth login [ACCOUNT] --client-id-file CLIENT_SECRETS.json
//	gcloud auth print-access-token [ACCOUNT] [--account EMAIL]
//	gcloud config get-value account
//
// auth login runs the installed-app flow (PKCE) against the client file's
// server, whose authorize endpoint consents at once and signs in the
// login_hint account; the refresh token is kept in $CLOUDSDK_CONFIG (the
// real CLI's configuration directory variable; required here, so the
// stand-in can never touch a real gcloud configuration). print-access-token
// does a refresh grant (saving the rotated refresh token, as the server
// rotates them) and prints the access token, which the server can
// introspect. Every run is logged, without secrets, to
// $CLOUDSDK_CONFIG/standin.log so tests can count them.
//
// It is not the real CLI and does not try to be beyond these commands:
// anything else exits 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// state is the stand-in's configuration: the OAuth client and each
// signed-in account's refresh token.
type state struct {
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret"`
	AuthURI      string            `json:"auth_uri"`
	TokenURI     string            `json:"token_uri"`
	Active       string            `json:"active"`
	Refresh      map[string]string `json:"refresh_tokens"`
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	dir := getenv("CLOUDSDK_CONFIG")
	if dir == "" {
		fmt.Fprintln(stderr, "ERROR: (gcloud stand-in) $CLOUDSDK_CONFIG must be set")
		return 2
	}
	logRun(dir, args)
	cmd := strings.Join(firstWords(args, 2), " ")
	var err error
	switch cmd {
	case "auth login":
		err = login(dir, args[2:], stderr)
	case "auth print-access-token":
		err = printToken(dir, args[2:], stdout)
	case "config get-value":
		if len(args) == 3 && args[2] == "account" {
			var st *state
			if st, err = load(dir); err == nil {
				if st.Active == "" {
					fmt.Fprintln(stderr, "(unset)")
				} else {
					fmt.Fprintln(stdout, st.Active)
				}
			}
		} else {
			err = errors.New("only 'config get-value account' is supported")
		}
	default:
		fmt.Fprintf(stderr, "ERROR: (gcloud stand-in) unsupported command %q\n", strings.Join(args, " "))
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: (gcloud.%s) %v\n", strings.ReplaceAll(cmd, " ", "."), err)
		return 1
	}
	return 0
}

// firstWords returns the first n arguments that are not flags.
func firstWords(args []string, n int) []string {
	var out []string
	for _, a := range args {
		if len(out) == n || strings.HasPrefix(a, "-") {
			break
		}
		out = append(out, a)
	}
	return out
}

func logRun(dir string, args []string) {
	f, err := os.OpenFile(filepath.Join(dir, "standin.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s gcloud %s\n", time.Now().UTC().Format(time.RFC3339Nano), strings.Join(args, " "))
}

func load(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, "standin.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("you do not currently have an active account selected. Please run:\n\n  $ gcloud auth login")
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("damaged stand-in state: %w", err)
	}
	return &st, nil
}

func save(dir string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".standin.json.tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "standin.json"))
}

func (st *state) config(redirect string) *oauth2.Config {
	return &oauth2.Config{ClientID: st.ClientID, ClientSecret: st.ClientSecret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: st.AuthURI, TokenURL: st.TokenURI, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{"openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/cloud-platform"}}
}

func login(dir string, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("auth login", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clientFile := fs.String("client-id-file", "", "")
	account := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		account, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientFile == "" || account == "" {
		return errors.New("the stand-in needs ACCOUNT and --client-id-file")
	}
	data, err := os.ReadFile(*clientFile)
	if err != nil {
		return err
	}
	var cf struct {
		Installed state `json:"installed"`
	}
	if err := json.Unmarshal(data, &cf); err != nil {
		return fmt.Errorf("client file: %w", err)
	}
	st, err := load(dir)
	if err != nil {
		st = &cf.Installed
	}
	st.ClientID, st.ClientSecret, st.AuthURI, st.TokenURI = cf.Installed.ClientID, cf.Installed.ClientSecret, cf.Installed.AuthURI, cf.Installed.TokenURI
	cfg := st.config("http://127.0.0.1:8085/")
	v := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("standin-state-0123456789", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(v),
		oauth2.SetAuthURLParam("login_hint", account))
	// The "browser": the test server consents at once and redirects to the
	// loopback redirect_uri, which is not followed.
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return fmt.Errorf("authorize: %s without a redirect", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		return fmt.Errorf("exchanging the code failed")
	}
	if st.Refresh == nil {
		st.Refresh = map[string]string{}
	}
	st.Refresh[account] = tok.RefreshToken
	st.Active = account
	if err := save(dir, st); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\nYou are now logged in as [%s].\n", account)
	return nil
}

func printToken(dir string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("auth print-access-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	account := fs.String("account", "", "")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		*account, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := load(dir)
	if err != nil {
		return err
	}
	if *account == "" {
		*account = st.Active
	}
	rt := st.Refresh[*account]
	if rt == "" {
		return fmt.Errorf("your current active account [%s] does not have any valid credentials\nPlease run:\n\n  $ gcloud auth login", *account)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := st.config("").TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return errors.New("there was a problem refreshing your current auth tokens: reauthentication required.\nPlease run:\n\n  $ gcloud auth login")
	}
	if tok.RefreshToken != "" && tok.RefreshToken != rt {
		st.Refresh[*account] = tok.RefreshToken
		if err := save(dir, st); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, tok.AccessToken)
	return nil
}
