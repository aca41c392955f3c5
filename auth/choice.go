package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// choiceFileName is the file in the config directory that remembers the
// identity the user last chose, so that every later kernel starts as it.
const choiceFileName = "identity.json"

// Kinds of remembered choice.
const (
	choiceUser           = "user"            // a cached %auth account
	choiceADC            = "adc"             // %auth use adc
	choiceServiceAccount = "service-account" // %auth use service-account KEY
	choiceGcloud         = "gcloud"          // %auth use gcloud
)

// rememberedChoice is the identity last chosen with %auth login or
// %auth use. It holds no secret: for an account, the credential stays in
// its own file under credentials/.
type rememberedChoice struct {
	Kind string `json:"kind"`
	// Account is the email of a "user" choice, or gcloud's --account.
	Account string `json:"account,omitempty"`
	// KeyFile is the service-account key's absolute path.
	KeyFile string `json:"key_file,omitempty"`
	// Project and Scopes repeat %auth use's --project and --drive.
	Project  string    `json:"project,omitempty"`
	Scopes   []string  `json:"scopes,omitempty"`
	ChosenAt time.Time `json:"chosen_at"`
}

// describe names the choice for people.
func (c *rememberedChoice) describe() string {
	switch c.Kind {
	case choiceUser:
		return c.Account
	case choiceADC:
		return "Application Default Credentials (%auth use adc)"
	case choiceServiceAccount:
		return "the service-account key " + c.KeyFile
	case choiceGcloud:
		if c.Account != "" {
			return "the gcloud CLI account " + c.Account
		}
		return "the gcloud CLI's active account"
	}
	return c.Kind
}

func (m *Manager) choicePath() string { return filepath.Join(m.opts.ConfigDir, choiceFileName) }

// loadChoice returns the remembered choice, or nil when there is none. A
// damaged file is an error, never "no choice": guessing could run the
// user's queries as someone they did not pick.
func loadChoice(path string) (*rememberedChoice, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the remembered identity choice: %w", err)
	}
	var c rememberedChoice
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("the remembered identity choice %s is damaged (%s): choose again with %%auth use EMAIL|adc|gcloud, or delete the file", path, syntaxOnly(err))
	}
	switch c.Kind {
	case choiceUser, choiceGcloud:
	case choiceADC:
	case choiceServiceAccount:
		if c.KeyFile == "" {
			return nil, fmt.Errorf("the remembered identity choice %s names a service account without a key file: choose again with %%auth use", path)
		}
	default:
		return nil, fmt.Errorf("the remembered identity choice %s has an unknown kind %q: choose again with %%auth use EMAIL|adc|gcloud", path, c.Kind)
	}
	if c.Kind == choiceUser && c.Account == "" {
		return nil, fmt.Errorf("the remembered identity choice %s names no account: choose again with %%auth use EMAIL", path)
	}
	return &c, nil
}

// saveChoice remembers c for later kernels (0600, in the 0700 config directory).
func saveChoice(path string, c *rememberedChoice) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the config directory: %w", err)
	}
	c.ChosenAt = time.Now().UTC().Truncate(time.Second)
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the identity choice: %w", err)
	}
	return writeFileAtomic(path, ".tmp-identity-*", append(data, '\n'), nil)
}

// Why a kernel that chose nothing itself has the identity it has.
const (
	originRemembered = "remembered" // the choice file names it
	originOnly       = "only"       // the only cached account
)

// selection is what a kernel takes as its identity before anything is
// chosen in it: the outcome of selectIdentity.
type selection struct {
	// kind is a choice kind, or "" for "nothing cached, nothing chosen":
	// the caller then uses Application Default Credentials implicitly, as
	// before any sign-in.
	kind    string
	account string // for choiceUser
	origin  string // originRemembered or originOnly
	choice  *rememberedChoice
	err     error
}

// ambiguousError is returned when several accounts are cached and none
// was chosen: the kernel refuses to guess.
type ambiguousError struct{ accounts []string }

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("several Google accounts are cached (%s) and none was chosen: run %%auth use EMAIL to pick one "+
		"(it is remembered for later kernels), or %%auth use adc for Application Default Credentials", strings.Join(e.accounts, ", "))
}

// selectIdentity applies the rules for a kernel's identity at its first
// Google call: the remembered choice; else the only cached account; else,
// with several cached accounts, an error listing them (no guessing); else
// nothing (implicit Application Default Credentials). cached are the
// accounts with a credential file; cacheDir is only for messages.
func selectIdentity(choice *rememberedChoice, cached []string, cacheDir string) selection {
	if choice != nil {
		if choice.Kind != choiceUser {
			return selection{kind: choice.Kind, origin: originRemembered, choice: choice}
		}
		if !slices.Contains(cached, choice.Account) {
			return selection{err: fmt.Errorf("you chose %s (with %%auth login or %%auth use), but its cached sign-in is no longer in %s: "+
				"run %%auth login --account %s, or choose another identity with %%auth use", choice.Account, cacheDir, choice.Account)}
		}
		return selection{kind: choiceUser, account: choice.Account, origin: originRemembered, choice: choice}
	}
	switch len(cached) {
	case 0:
		return selection{}
	case 1:
		return selection{kind: choiceUser, account: cached[0], origin: originOnly}
	}
	sorted := slices.Clone(cached)
	slices.Sort(sorted)
	return selection{err: &ambiguousError{accounts: sorted}}
}
