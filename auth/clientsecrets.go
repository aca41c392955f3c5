package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/oauth2"
)

// Google's public endpoints, used when the client file leaves a URI out.
const (
	googleAuthURL   = "https://accounts.google.com/o/oauth2/auth"
	googleTokenURL  = "https://oauth2.googleapis.com/token"
	googleRevokeURL = "https://oauth2.googleapis.com/revoke"
)

// howToCreateClient is appended to every client-file error: the fix is always
// the same few clicks in the Cloud console, and users should not have to search.
const howToCreateClient = `To create one: Google Cloud console > APIs & Services > Credentials > Create credentials > ` +
	`OAuth client ID > Application type "Desktop app" > Download JSON, then save it as %s ` +
	`(or pass --client-secrets PATH, or set $GOKERNEL_CLIENT_SECRETS).`

// clientSecrets is the "installed" section of a client_secrets.json file.
type clientSecrets struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AuthURI      string `json:"auth_uri"`
	TokenURI     string `json:"token_uri"`
	RevokeURI    string `json:"revoke_uri"`
	// path is where the client was read from, for messages.
	path string
}

// clientSecretsPath picks the client file: the flag, then the environment,
// then the per-user config directory.
func clientSecretsPath(flagPath string, getenv func(string) string, configDir string) string {
	if flagPath != "" {
		return flagPath
	}
	if p := getenv("GOKERNEL_CLIENT_SECRETS"); p != "" {
		return p
	}
	return filepath.Join(configDir, "client_secrets.json")
}

// loadClientSecrets reads and checks a Desktop-app client file. Errors say
// how to get a correct file, since a missing one is the first thing every new
// user meets.
func loadClientSecrets(path, defaultPath string) (*clientSecrets, error) {
	hint := fmt.Sprintf(howToCreateClient, defaultPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no OAuth client file at %s. %s", path, hint)
	}
	if err != nil {
		return nil, fmt.Errorf("reading OAuth client file: %w", err)
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s is not a client_secrets.json file (invalid JSON: %v). %s", path, syntaxOnly(err), hint)
	}
	raw, ok := file["installed"]
	if !ok {
		if _, web := file["web"]; web {
			return nil, fmt.Errorf("%s holds a \"Web application\" OAuth client; %%auth needs a \"Desktop app\" client, "+
				"because only those may redirect to the kernel's loopback address. %s", path, hint)
		}
		if _, sa := file["private_key"]; sa {
			return nil, fmt.Errorf("%s is a service-account key, not an OAuth client file; "+
				"to run as that service account use %%auth use service-account %s. %s", path, path, hint)
		}
		return nil, fmt.Errorf("%s has no \"installed\" section, so it is not a Desktop-app OAuth client file. %s", path, hint)
	}
	cs := &clientSecrets{path: path}
	if err := json.Unmarshal(raw, cs); err != nil {
		return nil, fmt.Errorf("%s: the \"installed\" section is malformed (%v). %s", path, syntaxOnly(err), hint)
	}
	if strings.TrimSpace(cs.ClientID) == "" {
		return nil, fmt.Errorf("%s: the \"installed\" section has no client_id. %s", path, hint)
	}
	if cs.AuthURI == "" {
		cs.AuthURI = googleAuthURL
	}
	if cs.TokenURI == "" {
		cs.TokenURI = googleTokenURL
	}
	return cs, nil
}

// syntaxOnly keeps JSON errors from quoting file content (which holds the
// client secret) in messages: it keeps only the kind of error and its offset.
func syntaxOnly(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "unreadable"
}

// oauthConfig builds the x/oauth2 configuration for one login attempt.
func (cs *clientSecrets) oauthConfig(redirectURL string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     cs.ClientID,
		ClientSecret: cs.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   cs.AuthURI,
			TokenURL:  cs.TokenURI,
			AuthStyle: oauth2.AuthStyleInParams, // what Google's token endpoint expects
		},
		RedirectURL: redirectURL,
		Scopes:      scopes,
	}
}
