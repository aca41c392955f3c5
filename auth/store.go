package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// storedCredential is one cached sign-in. Its fields are Google's
// "authorized_user" format (what gcloud writes for ADC) so that other tools,
// e.g. google.CredentialsFromJSONWithType(..., google.AuthorizedUser), can read
// it; scopes, token_uri, revoke_uri and account are extra.
type storedCredential struct {
	Type           string   `json:"type"`
	ClientID       string   `json:"client_id"`
	ClientSecret   string   `json:"client_secret"`
	RefreshToken   string   `json:"refresh_token"`
	TokenURI       string   `json:"token_uri,omitempty"`
	RevokeURI      string   `json:"revoke_uri,omitempty"`
	Account        string   `json:"account"`
	Scopes         []string `json:"scopes"`
	QuotaProjectID string   `json:"quota_project_id,omitempty"`
}

const authorizedUser = "authorized_user"

// tempPrefix marks in-progress writes; a crash can leave one behind, and
// readers must never mistake it for a credential.
const tempPrefix = ".tmp-"

// credStore keeps one file per account in a private directory.
type credStore struct {
	dir string
	// beforeRename runs after the temp file is complete and synced but
	// before it replaces the real file. Tests use it to look at (or break)
	// the moment a crash would hit; nil in production.
	beforeRename func(tmpPath string) error
}

// ErrUnsafePermissions marks a credential file or directory that other users
// could read: a refresh token there is as good as a password.
var ErrUnsafePermissions = errors.New("credentials readable by other users")

// errNotCached is returned by load when no file exists for the account.
var errNotCached = errors.New("no cached credential")

// path maps an account to its file, refusing names that could escape the directory.
func (s *credStore) path(account string) (string, error) {
	if account == "" || account == "." || account == ".." || strings.ContainsAny(account, "/\\\x00") ||
		strings.HasPrefix(account, tempPrefix) || strings.HasPrefix(account, ".") {
		return "", fmt.Errorf("%q is not a usable account name for the credential cache", account)
	}
	return filepath.Join(s.dir, account+".json"), nil
}

// load reads the account's credential, refusing files other users can read.
func (s *credStore) load(account string) (*storedCredential, string, error) {
	p, err := s.path(account)
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, p, errNotCached
	}
	if err != nil {
		return nil, p, fmt.Errorf("checking cached credential: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, p, fmt.Errorf("%s is not a regular file (symlink or other): refusing to use it as a credential: %w", p, ErrUnsafePermissions)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, p, fmt.Errorf("%s has mode %04o, so other users can read your refresh token: refusing to use it. "+
			"Run %%auth login again (it rewrites the file as 0600), or chmod 600 it if you trust it: %w", p, perm, ErrUnsafePermissions)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, p, fmt.Errorf("reading cached credential: %w", err)
	}
	var c storedCredential
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, p, fmt.Errorf("cached credential %s is damaged (%s): run %%auth login again", p, syntaxOnly(err))
	}
	if c.Type != authorizedUser || c.RefreshToken == "" || c.ClientID == "" {
		return nil, p, fmt.Errorf("cached credential %s is not an authorized_user credential with a refresh token: run %%auth login again", p)
	}
	if c.Account == "" {
		c.Account = account
	}
	return &c, p, nil
}

// save writes c atomically: a temp file in the same directory, fsync, rename,
// fsync of the directory. A crash at any point leaves either the old file or
// the new one, never a torn one. Callers that change a credential other
// kernels may be refreshing hold the account's lock (see lock).
func (s *credStore) save(c *storedCredential) (string, error) {
	p, err := s.path(c.Account)
	if err != nil {
		return "", err
	}
	if err := s.ensureDir(); err != nil {
		return "", err
	}
	c.Type = authorizedUser
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding credential: %w", err)
	}
	if err := writeFileAtomic(p, tempPrefix+c.Account+"-*", append(data, '\n'), s.beforeRename); err != nil {
		return "", err
	}
	s.removeStaleTemps()
	return p, nil
}

// ensureDir creates the credential directory 0700, and tightens it in
// case another tool (or an old umask) created it open.
func (s *credStore) ensureDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("creating credential directory: %w", err)
	}
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return fmt.Errorf("making credential directory private: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data (mode 0600) through a temp file
// named by pattern in the same directory, so the rename is atomic.
// beforeRename, when set, runs on the complete temp file (tests).
func writeFileAtomic(path, pattern string, data []byte, beforeRename func(string) error) error {
	dir := filepath.Dir(path)
	// CreateTemp creates the file 0600 before any byte is written.
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("making %s private: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("flushing %s to disk: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", filepath.Base(path), err)
	}
	if beforeRename != nil {
		if err := beforeRename(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing %s: %w", filepath.Base(path), err)
	}
	committed = true
	if d, err := os.Open(dir); err == nil {
		// Make the rename itself durable; a failure here only weakens
		// durability, the file is already complete.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// lockWait bounds how long a kernel waits for another kernel's refresh of
// the same account; a refresh takes milliseconds and is itself bounded.
const lockWait = 30 * time.Second

// lock takes the account's advisory lock (flock(2) on a hidden file next
// to the credential), so that of several kernels sharing the cache only one
// at a time reads, refreshes and rewrites the credential: with a server
// that rotates refresh tokens, two concurrent refreshes with the same token
// would lose one kernel its sign-in (or, at servers that detect reuse, both).
// The lock is released when unlock is called or the process dies.
func (s *credStore) lock(account string) (unlock func(), err error) {
	if _, err := s.path(account); err != nil {
		return nil, err
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	p := filepath.Join(s.dir, "."+account+".lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the credential lock: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking the cached credential: %w", err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another kernel has held the lock on the cached credential for %s for %v", account, lockWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// removeStaleTemps deletes temp files a crashed write left behind, once
// they are old enough that no concurrent writer can still own them.
func (s *credStore) removeStaleTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// remove deletes the account's file; a missing file is not an error.
func (s *credStore) remove(account string) error {
	p, err := s.path(account)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting cached credential: %w", err)
	}
	return nil
}

// cachedAccount is one entry of list.
type cachedAccount struct {
	account string
	modTime time.Time
}

// list returns the cached accounts, most recently written first, skipping
// temp files left by crashed writes.
func (s *credStore) list() ([]cachedAccount, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing cached credentials: %w", err)
	}
	var out []cachedAccount
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, cachedAccount{account: strings.TrimSuffix(name, ".json"), modTime: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].modTime.After(out[j].modTime) })
	return out, nil
}
