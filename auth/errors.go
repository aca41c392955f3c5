package auth

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// ErrSignInExpired means the refresh token no longer works (revoked,
// unused for months, a "Testing" app's 7-day limit, or a reauth policy):
// only a new interactive sign-in helps, so callers test for it with
// errors.Is and tell the user exactly that instead of showing a stack.
var ErrSignInExpired = errors.New("your sign-in expired: run %auth login")

// ErrNoIdentity means there is no Google identity at all: nobody signed in
// with %auth, nothing cached, nothing chosen with %auth use, and no
// Application Default Credentials. It is the only token error after which
// a caller may go on unauthenticated (a loopback emulator): every other one
// (an expired sign-in, several cached accounts and no choice, a remembered
// choice that no longer works) must stop the call, so that no request goes
// out as somebody the user did not choose.
var ErrNoIdentity = errors.New("no Google identity")

// signInExpiredError is ErrSignInExpired for one account. The server's
// error code goes to the log, not into the message, which is the one
// sentence the user needs.
type signInExpiredError struct {
	account string
}

func (e *signInExpiredError) Error() string {
	return fmt.Sprintf("your sign-in for %s expired: run %%auth login", e.account)
}

// Is makes errors.Is(err, ErrSignInExpired) true.
func (e *signInExpiredError) Is(target error) bool { return target == ErrSignInExpired }

// noIdentityError is ErrNoIdentity with the reason ADC was not found.
type noIdentityError struct {
	msg string
	err error // why the ADC lookup failed, already free of secrets
}

func (e *noIdentityError) Error() string        { return e.msg }
func (e *noIdentityError) Unwrap() error        { return e.err }
func (e *noIdentityError) Is(target error) bool { return target == ErrNoIdentity }

// redactedError carries a message scrubbed of secrets while keeping the
// original error reachable for errors.Is/As. Its Error never prints the
// original, whose text may quote a server's response.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// safeError turns a token-endpoint error into text without secrets: for an
// OAuth error response only its code and description are kept (never the
// raw body), and any known secret that still shows up is replaced.
func safeError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var msg string
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch {
		case re.ErrorCode != "" && re.ErrorDescription != "":
			msg = fmt.Sprintf("%s: %s", re.ErrorCode, re.ErrorDescription)
		case re.ErrorCode != "":
			msg = re.ErrorCode
		case re.Response != nil:
			msg = "HTTP " + re.Response.Status
		default:
			msg = "unreadable response from the token endpoint"
		}
	} else {
		msg = err.Error()
	}
	return &redactedError{msg: redact(msg, secrets...), err: err}
}

// redact replaces every occurrence of the given secrets in s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// isSignInExpired reports whether a token endpoint error means the refresh
// token is dead for good.
func isSignInExpired(err error) (string, bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_rapt") {
		return re.ErrorCode, true
	}
	return "", false
}
