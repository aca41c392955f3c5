// Command oauthserver runs the oauthtest authorization server (ory fosite)
// on 127.0.0.1 for end-to-end tests in other languages.
//
//	go run ./internal/oauthtest/cmd/oauthserver --email alice@example.com --secrets-out FILE
//
// It writes the Desktop-app client_secrets.json into a fresh temporary
// directory and prints one JSON line to stdout:
//
//	{"url": "http://127.0.0.1:PORT", "client_secrets_path": "...", "client_id": "...", "email": "..."}
//
// With --service-account EMAIL it also runs a GCE metadata server
// (package metadataserver) whose default service account is EMAIL, with
// tokens from this server, and the line has "metadata_host" (for
// $GCE_METADATA_HOST).
//
// It then serves until SIGTERM, SIGINT or end of file on stdin, writes
// every secret it issued or saw (client secret, codes, PKCE verifiers,
// access, refresh and id tokens) to --secrets-out as a JSON array of
// strings, removes the temporary directory and exits 0.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/internal/oauthtest"
	"github.com/gokernel/gokernel/internal/oauthtest/metadataserver"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("oauthserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "alice@example.com", "the account the authorize endpoint signs in")
	secretsOut := fs.String("secrets-out", "", "write the secrets as a JSON array to this file on exit")
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	lifespan := fs.Duration("access-token-lifespan", time.Hour, "how long access tokens live")
	decline := fs.String("decline", "", "comma-separated scopes the user does not grant")
	serviceAccount := fs.String("service-account", "", "also run a GCE metadata server whose default service account is this email (its tokens are this server's); the JSON line then has metadata_host")
	mdProject := fs.String("metadata-project", "vm-project", "the project id the metadata server reports")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "oauthserver: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts := oauthtest.Options{Addr: *addr, Email: *email, AccessTokenLifespan: *lifespan}
	if *decline != "" {
		opts.Decline = strings.Split(*decline, ",")
	}
	if *serviceAccount != "" {
		opts.ServiceAccounts = []string{*serviceAccount}
	}
	srv, err := oauthtest.Start(opts)
	if err != nil {
		fmt.Fprintln(stderr, "oauthserver:", err)
		return 1
	}
	var md *metadataserver.Server
	if *serviceAccount != "" {
		md, err = metadataserver.Start(metadataserver.Options{Email: *serviceAccount, Project: *mdProject, Mint: srv.ServiceAccountToken})
		if err != nil {
			srv.Close()
			fmt.Fprintln(stderr, "oauthserver:", err)
			return 1
		}
		defer md.Close()
	}
	dir, err := os.MkdirTemp("", "oauthserver-")
	if err != nil {
		srv.Close()
		fmt.Fprintln(stderr, "oauthserver:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	path, err := srv.WriteClientSecrets(dir)
	if err != nil {
		srv.Close()
		fmt.Fprintln(stderr, "oauthserver:", err)
		return 1
	}

	// Listen for the stop signals before announcing readiness, so a
	// SIGTERM sent right after the JSON line is never lost.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()

	info := map[string]string{
		"url": srv.URL, "client_secrets_path": path, "client_id": srv.ClientID, "email": srv.Email,
	}
	if md != nil {
		info["metadata_host"] = md.Host
	}
	line, _ := json.Marshal(info)
	fmt.Fprintf(stdout, "%s\n", line)
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}

	select {
	case sig := <-stop:
		fmt.Fprintf(stderr, "oauthserver: %v: stopping\n", sig)
	case <-eof:
		fmt.Fprintln(stderr, "oauthserver: stdin closed: stopping")
	}
	signal.Stop(stop)
	if err := srv.Close(); err != nil {
		fmt.Fprintln(stderr, "oauthserver: closing:", err)
	}
	if *secretsOut != "" {
		if err := writeSecrets(*secretsOut, srv.Secrets()); err != nil {
			fmt.Fprintln(stderr, "oauthserver:", err)
			return 1
		}
	}
	return 0
}

// writeSecrets writes the list atomically (temporary file and rename), so a
// reader never sees half of it.
func writeSecrets(path string, secrets []string) error {
	data, err := json.Marshal(secrets)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
