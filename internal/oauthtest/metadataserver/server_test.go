package metadataserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/oauthtest"
	"github.com/gokernel/gokernel/internal/oauthtest/metadataserver"
)

const sa = "sa-vm@proj.iam.gserviceaccount.com"

func start(t *testing.T) (*oauthtest.Server, *metadataserver.Server) {
	t.Helper()
	o, err := oauthtest.Start(oauthtest.Options{ServiceAccounts: []string{sa}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	m, err := metadataserver.Start(metadataserver.Options{Email: sa, Project: "proj", Mint: o.ServiceAccountToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return o, m
}

func get(t *testing.T, host, path string, flavor bool) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+host+path, nil)
	if flavor {
		req.Header.Set("Metadata-Flavor", "Google")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestEndpoints(t *testing.T) {
	_, m := start(t)
	cases := []struct {
		path   string
		flavor bool
		code   int
		body   string
	}{
		{"/", false, 200, "computeMetadata/\n"},
		{"/computeMetadata/v1/", true, 200, "instance/\nproject/\n"},
		{"/computeMetadata/v1/instance/", true, 200, "service-accounts/\nid\nzone\n"},
		{"/computeMetadata/v1/project/project-id", true, 200, "proj"},
		{"/computeMetadata/v1/project/project-id", false, 403, "Missing Metadata-Flavor:Google header.\n"},
		{"/computeMetadata/v1/instance/service-accounts/default/email", true, 200, sa},
		{"/computeMetadata/v1/instance/service-accounts/" + sa + "/email", true, 200, sa},
		{"/computeMetadata/v1/instance/service-accounts/default/email", false, 403, "Missing Metadata-Flavor:Google header.\n"},
		{"/computeMetadata/v1/instance/service-accounts/default/scopes", true, 200, strings.Join(metadataserver.DefaultScopes(), "\n") + "\n"},
		{"/computeMetadata/v1/instance/service-accounts/default/token", false, 403, "Missing Metadata-Flavor:Google header.\n"},
		{"/computeMetadata/v1/instance/nothing", true, 404, "Not Found\n"},
		{"/computeMetadata/v2/", true, 404, "Not Found\n"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			code, h, body := get(t, m.Host, c.path, c.flavor)
			if code != c.code || body != c.body || h.Get("Metadata-Flavor") != "Google" {
				t.Errorf("GET %s (flavor %v) = %d %q, Metadata-Flavor %q; want %d %q, Google", c.path, c.flavor, code, body, h.Get("Metadata-Flavor"), c.code, c.body)
			}
		})
	}
}

// The token the metadata server hands out is a real one of the OAuth
// server, for the service account, with the scopes asked for.
func TestTokenIsTheServiceAccountsAtTheOAuthServer(t *testing.T) {
	o, m := start(t)
	scopes := oauthtest.ScopeBigQuery + "," + oauthtest.ScopeCloudPlatform
	code, _, body := get(t, m.Host, "/computeMetadata/v1/instance/service-accounts/default/token?scopes="+url.QueryEscape(scopes), true)
	if code != 200 {
		t.Fatalf("token: %d %s", code, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.ExpiresIn < 3000 || tok.TokenType != "Bearer" {
		t.Fatalf("token response %+v", tok)
	}
	in := introspect(t, o, tok.AccessToken)
	if in["active"] != true || in["username"] != sa || in["client_id"] != sa || in["scope"] != oauthtest.ScopeBigQuery+" "+oauthtest.ScopeCloudPlatform {
		t.Fatalf("introspection %v", in)
	}
	// Reused while it has time left, as GCE does.
	_, _, body2 := get(t, m.Host, "/computeMetadata/v1/instance/service-accounts/default/token?scopes="+url.QueryEscape(scopes), true)
	if !strings.Contains(body2, tok.AccessToken) {
		t.Errorf("second token request minted a new token")
	}
	if o.TokenRequests() != 1 {
		t.Errorf("OAuth server token requests = %d, want 1", o.TokenRequests())
	}
}

func TestUnknownServiceAccountIsRefused(t *testing.T) {
	o, _ := start(t)
	if _, err := o.ServiceAccountToken(context.Background(), "other@proj.iam.gserviceaccount.com", nil); err == nil {
		t.Fatal("a token for an unregistered service account")
	}
}

func introspect(t *testing.T, o *oauthtest.Server, tok string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", o.IntrospectURL(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(o.ClientID, o.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}
