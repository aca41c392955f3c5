package bq

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"

	"github.com/gokernel/gokernel/kernel"
)

// sqlPosRE finds a position in a BigQuery error message: real BigQuery
// writes "at [3:15]", the emulator "[at 3:15]".
var sqlPosRE = regexp.MustCompile(`(?:at \[|\[at )(\d+):(\d+)\]`)

// apiError is the part of a BigQuery failure people act on.
type apiError struct {
	code    int
	reason  string
	message string
}

// describe pulls code, reason and message out of the errors the client
// returns: *bigquery.Error (job status), *googleapi.Error (HTTP), or any.
func describe(err error) apiError {
	var ae apiError
	var be *bigquery.Error
	var ge *googleapi.Error
	switch {
	case errors.As(err, &be):
		ae.reason, ae.message = be.Reason, be.Message
	case errors.As(err, &ge):
		ae.code, ae.message = ge.Code, ge.Message
		if len(ge.Errors) > 0 {
			ae.reason = ge.Errors[0].Reason
			if ae.message == "" {
				ae.message = ge.Errors[0].Message
			}
		}
	default:
		ae.message = err.Error()
	}
	if ae.message == "" {
		ae.message = err.Error()
	}
	return ae
}

// queryError turns a failed call into the kernel error the cell shows:
// BigQuery's reason and message, the SQL line it points at, a hint, and
// the job id.
func (r *run) queryError(err error) error {
	ae := describe(err)
	head := ae.message
	if ae.reason != "" {
		head = ae.reason + ": " + ae.message
	}
	var extra []string
	extra = append(extra, sqlExcerpt(r.o.SQL, ae.message)...)
	if h := r.hint(err, ae); h != "" {
		extra = append(extra, "hint: "+h)
	}
	if l := r.jobLabel(); l != "" && !r.o.DryRun {
		extra = append(extra, "job: "+l)
	}
	return &errWrap{ee: bqError("BigQueryError", head, extra), cause: err}
}

// errWrap is a *kernel.EvalError that still unwraps to the client's
// error, so callers (and tests) can inspect the original with errors.As.
type errWrap struct {
	ee    *kernel.EvalError
	cause error
}

func (e *errWrap) Error() string { return e.ee.Error() }
func (e *errWrap) Unwrap() []error {
	return []error{e.ee, e.cause}
}

// sqlExcerpt shows the SQL line a message's [line:col] points at, with a
// caret under the column.
func sqlExcerpt(sql, msg string) []string {
	m := sqlPosRE.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	lines := strings.Split(sql, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	text := strings.TrimRight(lines[line-1], "\r")
	out := []string{fmt.Sprintf("at line %d, column %d:", line, col), "    " + text}
	if col >= 1 && col <= len([]rune(text))+1 {
		// Keep tabs so the caret lines up under tab-indented SQL.
		pad := []rune(text)[:col-1]
		for i, c := range pad {
			if c != '\t' {
				pad[i] = ' '
			}
		}
		out = append(out, "    "+string(pad)+"^")
	}
	return out
}

// hint says what to do next for the failures people hit most.
func (r *run) hint(err error, ae apiError) string {
	msg := strings.ToLower(ae.message)
	switch {
	case r.m.isExpired(err) || ae.code == 401:
		return "your sign-in expired or was revoked: run %auth login"
	case strings.Contains(msg, "drive") && (ae.code == 403 || ae.reason == "accessDenied" || strings.Contains(msg, "permission")):
		return "this table reads Google Drive (e.g. a Sheet): run %auth login --drive to grant Drive access"
	case ae.reason == "bytesBilledLimitExceeded" || strings.Contains(msg, "bytes billed"):
		lim := "the limit"
		if r.o.MaxBytesBilled > 0 {
			lim = FormatBytes(r.o.MaxBytesBilled)
		}
		return fmt.Sprintf("the query would bill more than --max-bytes-billed (%s): check its size with --dry-run, then narrow it or raise the limit", lim)
	case ae.reason == "accessNotConfigured" || strings.Contains(msg, "has not been used in project") ||
		strings.Contains(msg, "it is disabled") || strings.Contains(msg, "service_disabled"):
		return fmt.Sprintf("the BigQuery API is not enabled for the billing/quota project: enable it (https://console.cloud.google.com/apis/library/bigquery.googleapis.com?project=%s) or run in another project with --project", r.c.project)
	case strings.Contains(msg, "quota project") || strings.Contains(msg, "user_project_denied") || strings.Contains(msg, "serviceusage"):
		return "your account cannot use project " + r.c.project + " for quota: pass --project with a project you can bill to"
	case ae.reason == "notFound" || ae.code == 404 || strings.Contains(msg, "not found:"):
		return fmt.Sprintf("check the project.dataset.table names and --location (a dataset lives in one location); the job ran in project %s as %s", r.c.project, r.c.who)
	case ae.reason == "accessDenied" || ae.code == 403:
		return fmt.Sprintf("%s lacks permission for this: ask for BigQuery access in project %s, or pick another with --project", r.c.who, r.c.project)
	case ae.reason == "responseTooLarge":
		return "the result is too large to return: write it to a table with --dest"
	case ae.reason == "quotaExceeded" || ae.reason == "rateLimitExceeded":
		return "a BigQuery quota or rate limit was hit: wait and retry"
	case ae.reason == "invalidQuery" || sqlPosRE.MatchString(ae.message):
		return "fix the SQL at the position shown"
	}
	return ""
}
