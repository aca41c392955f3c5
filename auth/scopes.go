package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Scopes the %auth magic knows by name.
const (
	// ScopeBigQuery is what %auth asks for by default: enough to run queries.
	ScopeBigQuery = "https://www.googleapis.com/auth/bigquery"
	// ScopeCloudPlatform is what ADC and service accounts get by default,
	// as Google's own notebook magics do.
	ScopeCloudPlatform = "https://www.googleapis.com/auth/cloud-platform"
	// ScopeDriveReadOnly (--drive) is needed to query Sheets- and
	// Drive-backed tables; without it BigQuery answers with a confusing 403.
	ScopeDriveReadOnly = "https://www.googleapis.com/auth/drive.readonly"
	scopeUserinfoEmail = "https://www.googleapis.com/auth/userinfo.email"
	scopeUserinfoProf  = "https://www.googleapis.com/auth/userinfo.profile"
)

// DefaultScopes are what %auth asks for when no --scopes is given: enough
// for BigQuery, plus the identity.
func DefaultScopes() []string { return []string{ScopeBigQuery, "openid", scopeUserinfoEmail} }

// canonicalScope maps the short OpenID names to the URLs Google reports
// back in the token response, so requested and granted sets compare.
func canonicalScope(s string) string {
	switch s {
	case "email":
		return scopeUserinfoEmail
	case "profile":
		return scopeUserinfoProf
	}
	if !strings.Contains(s, "/") && s != "openid" && s != "offline_access" {
		// "bigquery" is a handy shorthand in --scopes.
		return "https://www.googleapis.com/auth/" + s
	}
	return s
}

// normalizeScopes canonicalises, deduplicates and keeps order.
func normalizeScopes(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			c := canonicalScope(f)
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// broaderScopes lists the scopes that include s, so a credential holding
// cloud-platform is not refused for a BigQuery request.
func broaderScopes(s string) []string {
	switch s {
	case ScopeBigQuery:
		return []string{ScopeCloudPlatform}
	case "https://www.googleapis.com/auth/bigquery.readonly":
		return []string{ScopeBigQuery, ScopeCloudPlatform}
	case ScopeDriveReadOnly:
		return []string{"https://www.googleapis.com/auth/drive"}
	}
	return nil
}

// missingScopes returns the wanted scopes that granted does not cover.
func missingScopes(granted, wanted []string) []string {
	have := map[string]bool{}
	for _, g := range normalizeScopes(granted) {
		have[g] = true
	}
	var missing []string
	for _, w := range normalizeScopes(wanted) {
		if have[w] {
			continue
		}
		covered := false
		for _, b := range broaderScopes(w) {
			covered = covered || have[b]
		}
		if !covered {
			missing = append(missing, w)
		}
	}
	return missing
}

// idClaims are the id_token claims the kernel shows.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Subject       string `json:"sub"`
}

// decodeIDToken reads the claims of an id_token WITHOUT verifying its
// signature. That is acceptable here and only here: the token came straight
// from the token endpoint over the same connection that carried our client
// secret and PKCE verifier (OpenID Connect Core §3.1.3.7 allows skipping
// validation in that case), and the email is used for display and as the
// cache file name, never to grant access to anything.
func decodeIDToken(tok string) (idClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return idClaims{}, errors.New("id_token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return idClaims{}, fmt.Errorf("id_token payload is not base64url: %w", err)
	}
	var c idClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return idClaims{}, fmt.Errorf("id_token payload is not JSON: %s", syntaxOnly(err))
	}
	return c, nil
}
