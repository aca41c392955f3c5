package auth

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"

	"github.com/gokernel/gokernel/internal/oauthtest"
	"github.com/gokernel/gokernel/internal/oauthtest/metadataserver"
)

const vmSA = "sa-vm@proj.iam.gserviceaccount.com"

// whose asks the OAuth server (RFC 7662) whose live access token tok is.
func whose(t *testing.T, s *oauthtest.Server, tok string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", s.IntrospectURL(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var in struct {
		Active   bool   `json:"active"`
		Username string `json:"username"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		t.Fatal(err)
	}
	if !in.Active {
		return "(inactive)"
	}
	return in.Username
}

// A Workbench VM, simulated: ADC from a metadata server (the loopback
// stand-in, reached through $GCE_METADATA_HOST as on a VM through
// 169.254.169.254) whose tokens are the OAuth server's, for the VM's
// service account. Not parallel: it sets the process environment that
// Google's libraries read.
func TestWorkbenchVMServiceAccount(t *testing.T) {
	e := newEnvServer(t, oauthtest.Options{ServiceAccounts: []string{vmSA}})
	md, err := metadataserver.Start(metadataserver.Options{Email: vmSA, Project: "vm-proj", Mint: e.srv.ServiceAccountToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { md.Close() })
	t.Setenv("GCE_METADATA_HOST", md.Host)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir()) // no gcloud ADC file
	m := e.newManager(func(o *ManagerOptions) { o.FindDefaultCredentials = google.FindDefaultCredentials })
	e.m = m

	// No %auth: the VM's service account, named by its email.
	if got := whose(t, e.srv, tokenOf(t, m)); got != vmSA {
		t.Fatalf("token is %q's, want the VM's service account", got)
	}
	if w := m.Who(); w != "service account "+vmSA+" (VM service account, metadata server)" {
		t.Errorf("Who() = %q", w)
	}
	if p := m.Project(); p != "vm-proj" {
		t.Errorf("Project() = %q, want the metadata server's", p)
	}
	out := newRecOutput()
	if err := e.run(context.Background(), out, "%auth status"); err != nil {
		t.Fatal(err.Value)
	}
	status, _ := out.out()
	for _, want := range []string{"Type:            Application Default Credentials: VM service account (metadata server)", "Account:         " + vmSA,
		"Source:          metadata server at " + md.Host, "Project:         vm-proj", "the VM allows cloud-platform, userinfo.email"} {
		if !strings.Contains(status, want) {
			t.Errorf("%%auth status lacks %q:\n%s", want, status)
		}
	}
	for _, r := range md.Requests() {
		if !r.Flavor || r.Status != 200 {
			t.Errorf("metadata request %+v: without the header or refused", r)
		}
	}

	// %auth: the user wins.
	e.login(newRecOutput(), "%auth login --no-cache")
	if got := whose(t, e.srv, tokenOf(t, m)); got != "alice@example.com" {
		t.Fatalf("after %%auth login the token is %q's", got)
	}
	// %auth use adc: back to the VM's service account.
	if err := e.run(context.Background(), newRecOutput(), "%auth use adc"); err != nil {
		t.Fatal(err.Value)
	}
	if got := whose(t, e.srv, tokenOf(t, m)); got != vmSA {
		t.Fatalf("after %%auth use adc the token is %q's", got)
	}
	for _, tok := range md.Tokens() {
		if strings.Contains(status, tok) || strings.Contains(e.logs.String(), tok) {
			t.Error("a service-account token in output or logs")
		}
	}
}

// An unreachable metadata server: a clear error naming what was tried,
// within the bound, for implicit ADC and for %auth use adc.
func TestWorkbenchMetadataServerUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close() // a closed port: connection refused
	e := newEnv(t)
	gc := t.TempDir()
	t.Setenv("GCE_METADATA_HOST", host)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", gc)
	e.getenv["CLOUDSDK_CONFIG"] = gc
	m := e.newManager(func(o *ManagerOptions) { o.FindDefaultCredentials = google.FindDefaultCredentials })
	e.m = m
	wants := []string{"$GOOGLE_APPLICATION_CREDENTIALS (not set)", "gcloud's ADC file " + gc + "/application_default_credentials.json (not found)",
		"the metadata server at " + host, "connection refused"}
	start := time.Now()
	_, err = m.TokenSource(context.Background())
	if err == nil {
		t.Fatal("a token source without a metadata server")
	}
	if d := time.Since(start); d > metadataTimeout+5*time.Second {
		t.Errorf("took %v", d)
	}
	for _, w := range append(wants, "%auth login") {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	out := newRecOutput()
	ee := e.run(context.Background(), out, "%auth use adc")
	if ee == nil {
		t.Fatal("%auth use adc succeeded without a metadata server")
	}
	for _, w := range wants {
		if !strings.Contains(ee.Value, w) {
			t.Errorf("%%auth use adc error lacks %q: %v", w, ee.Value)
		}
	}
	t.Logf("unreachable metadata server: %v to fail: %v", time.Since(start), err)
}
