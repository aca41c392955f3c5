// Package metadataserver runs a Compute Engine metadata server on the
// loopback interface, standing in for the one a Vertex AI Workbench VM (or
// any GCE VM) has at 169.254.169.254, so that the VM's Application Default
// Credentials can be tested on an ordinary machine: Google's Go libraries
// (cloud.google.com/go/compute/metadata, golang.org/x/oauth2/google) send
// their metadata requests to $GCE_METADATA_HOST when it is set.
//
// It serves the documented endpoints the libraries use for the attached
// service account and the project, with GCE's header rules: every request
// under /computeMetadata/v1/ must carry "Metadata-Flavor: Google" (else 403,
// as on GCE: the header guards against requests forged through a proxy),
// and every response carries it. The service account's access tokens are
// not made up: they are minted by an oauthtest.Server with the
// client_credentials grant, so a protected resource that introspects them
// there sees the service account's email.
package metadataserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultScopes are the scopes a Workbench VM's service account has by
// default (cloud-platform and userinfo.email).
func DefaultScopes() []string {
	return []string{"https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/userinfo.email"}
}

// Minter gets an access token for a service account; *oauthtest.Server's
// ServiceAccountToken is one.
type Minter func(ctx context.Context, email string, scopes []string) (*oauth2.Token, error)

// Options configure Start.
type Options struct {
	// Addr is the address to listen on; default "127.0.0.1:0".
	Addr string
	// Email is the VM's default service account (required).
	Email string
	// Project is the VM's project id (required); NumericProject its number
	// (default "123456789012").
	Project        string
	NumericProject string
	// Scopes are the service account's scopes on this VM; default DefaultScopes.
	Scopes []string
	// Mint issues the service account's tokens (required).
	Mint Minter
}

// Request is one request the server received, for tests to assert on.
type Request struct {
	Path   string // without the query
	Query  string
	Flavor bool // carried Metadata-Flavor: Google
	Status int
}

// Server is a running metadata server.
type Server struct {
	// Host is what GCE_METADATA_HOST should be set to: 127.0.0.1:PORT.
	Host string

	opts Options
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	reqs  []Request
	cache map[string]*oauth2.Token // scopes -> token, reused until near expiry as GCE does
}

// Start listens on opts.Addr and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Email == "" || opts.Project == "" || opts.Mint == nil {
		return nil, errors.New("metadataserver: Email, Project and Mint are required")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.NumericProject == "" {
		opts.NumericProject = "123456789012"
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = DefaultScopes()
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("metadataserver: listen: %w", err)
	}
	s := &Server{Host: ln.Addr().String(), opts: opts, ln: ln, done: make(chan struct{}), cache: map[string]*oauth2.Token{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	if err != nil {
		return fmt.Errorf("metadataserver: shutdown: %w", err)
	}
	return nil
}

// Requests returns the requests served so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Tokens returns every access token the server handed out, so a test can
// check none leaked into output.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range s.cache {
		out = append(out, t.AccessToken)
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	flavor := r.Header.Get("Metadata-Flavor") == "Google"
	status := s.handle(w, r, flavor)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Path: r.URL.Path, Query: r.URL.RawQuery, Flavor: flavor, Status: status})
	s.mu.Unlock()
}

// handle answers one request and returns the status it sent.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, flavor bool) int {
	w.Header().Set("Metadata-Flavor", "Google")
	w.Header().Set("Server", "Metadata Server for VM")
	text := func(code int, body string) int {
		w.Header().Set("Content-Type", "application/text")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
		return code
	}
	if r.Method != http.MethodGet {
		return text(http.StatusMethodNotAllowed, "Method not allowed\n")
	}
	if r.URL.Path == "/" {
		// OnGCE's probe: GET http://169.254.169.254 without the request
		// header, looking only at the response header.
		return text(http.StatusOK, "computeMetadata/\n")
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/computeMetadata/v1")
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return text(http.StatusNotFound, "Not Found\n")
	}
	if !flavor {
		// GCE's answer to a request without the header.
		return text(http.StatusForbidden, "Missing Metadata-Flavor:Google header.\n")
	}
	p := strings.TrimPrefix(rest, "/")
	email := s.opts.Email
	for _, acct := range []string{"default", email} {
		base := "instance/service-accounts/" + acct + "/"
		rest, ok := strings.CutPrefix(p, base)
		if !ok {
			continue
		}
		switch rest {
		case "":
			return text(http.StatusOK, "aliases\nemail\nidentity\nscopes\ntoken\n")
		case "email":
			return text(http.StatusOK, email)
		case "aliases":
			return text(http.StatusOK, "default\n")
		case "scopes":
			return text(http.StatusOK, strings.Join(s.opts.Scopes, "\n")+"\n")
		case "token":
			return s.token(w, r)
		}
		return text(http.StatusNotFound, "Not Found\n")
	}
	switch p {
	case "":
		return text(http.StatusOK, "instance/\nproject/\n")
	case "instance/":
		return text(http.StatusOK, "service-accounts/\nid\nzone\n")
	case "instance/service-accounts/":
		return text(http.StatusOK, "default/\n"+email+"/\n")
	case "instance/id":
		return text(http.StatusOK, "4242424242424242424")
	case "instance/zone":
		return text(http.StatusOK, "projects/"+s.opts.NumericProject+"/zones/us-central1-a")
	case "project/":
		return text(http.StatusOK, "numeric-project-id\nproject-id\n")
	case "project/project-id":
		return text(http.StatusOK, s.opts.Project)
	case "project/numeric-project-id":
		return text(http.StatusOK, s.opts.NumericProject)
	case "universe/universe-domain":
		return text(http.StatusOK, "googleapis.com")
	}
	return text(http.StatusNotFound, "Not Found\n")
}

// token answers .../token: {"access_token","expires_in","token_type"},
// for the scopes in ?scopes= (comma-separated) or else the account's. As
// on GCE, a token is reused while it has more than five minutes left.
func (s *Server) token(w http.ResponseWriter, r *http.Request) int {
	scopes := s.opts.Scopes
	if q := r.URL.Query().Get("scopes"); q != "" {
		scopes = strings.Split(q, ",")
	}
	key := strings.Join(scopes, ",")
	s.mu.Lock()
	tok := s.cache[key]
	s.mu.Unlock()
	if tok == nil || time.Until(tok.Expiry) < 5*time.Minute {
		t, err := s.opts.Mint(r.Context(), s.opts.Email, scopes)
		if err != nil {
			// The minter's error names no secret (oauth2 errors carry the
			// server's error code and description).
			http.Error(w, "token: "+err.Error(), http.StatusInternalServerError)
			return http.StatusInternalServerError
		}
		tok = t
		s.mu.Lock()
		s.cache[key] = tok
		s.mu.Unlock()
	}
	expires := int(time.Until(tok.Expiry).Seconds())
	if tok.Expiry.IsZero() {
		expires = 3599
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok.AccessToken, "expires_in": expires, "token_type": "Bearer",
	})
	return http.StatusOK
}
