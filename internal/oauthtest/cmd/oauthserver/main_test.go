package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestRunPrintsAddressAndWritesSecretsOnEOF(t *testing.T) {
	dir := t.TempDir()
	secretsOut := filepath.Join(dir, "secrets.json")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	rc := make(chan int, 1)
	go func() {
		rc <- run([]string{"--email", "carol@example.com", "--secrets-out", secretsOut}, inR, outW, io.Discard)
		outW.Close()
	}()

	line, err := bufio.NewReader(outR).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	var info struct {
		URL               string `json:"url"`
		ClientSecretsPath string `json:"client_secrets_path"`
		Email             string `json:"email"`
	}
	if err := json.Unmarshal(line, &info); err != nil {
		t.Fatalf("first line %q: %v", line, err)
	}
	if info.Email != "carol@example.com" || info.URL == "" {
		t.Fatalf("announced %s", line)
	}
	data, err := os.ReadFile(info.ClientSecretsPath)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Installed struct {
			ID       string `json:"client_id"`
			Secret   string `json:"client_secret"`
			AuthURI  string `json:"auth_uri"`
			TokenURI string `json:"token_uri"`
		} `json:"installed"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	in := f.Installed
	cfg := &oauth2.Config{ClientID: in.ID, ClientSecret: in.Secret, RedirectURL: "http://127.0.0.1:1/",
		Endpoint: oauth2.Endpoint{AuthURL: in.AuthURI, TokenURL: in.TokenURI, AuthStyle: oauth2.AuthStyleInParams}}

	// The browser step, by hand: the authorize endpoint redirects to the
	// loopback redirect_uri at once.
	v := oauth2.GenerateVerifier()
	c := noFollowClient()
	resp, err := c.Get(cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(v)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: %s, no redirect", resp.Status)
	}
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}

	inW.Close() // EOF on stdin stops the server
	select {
	case code := <-rc:
		if code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop on stdin EOF")
	}
	var secrets []string
	data, err = os.ReadFile(secretsOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &secrets); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{in.Secret, loc.Query().Get("code"), v, tok.AccessToken, tok.RefreshToken} {
		if !slices.Contains(secrets, s) {
			t.Errorf("secrets file lacks a secret (%d listed)", len(secrets))
		}
	}
	if _, err := os.Stat(filepath.Dir(info.ClientSecretsPath)); !os.IsNotExist(err) {
		t.Errorf("temporary client directory left behind: %v", err)
	}
}

func noFollowClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}
