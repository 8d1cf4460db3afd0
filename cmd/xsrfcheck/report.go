// The report: each check's verdict, the server line, the counts and the
// exit status, printed as text or JSON.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The exit statuses.
const (
	exitHealthy  = 0 // no problem (warnings allowed); also --help, --version
	exitProblems = 1 // a check found a problem
	// exitBadInput is for what the user can fix on the command line: a
	// usage error, a URL that is not a Jupyter server's page, a login
	// refused or on another site; and an interrupted run.
	exitBadInput = 2
	// exitUnreachable is for a run stopped by a request that got no HTTP
	// answer (noAnswer): nothing listens, the name does not resolve, the
	// connection broke or timed out first.
	exitUnreachable = 3
)

// reportSchema is the version of the JSON report's layout: it changes
// when a field changes meaning or goes away, not when one is added.
const reportSchema = 1

// The verdict of one check.
const (
	statusOK      = "ok"
	statusWarning = "warning"
	statusProblem = "problem"
	statusSkipped = "skipped"
)

// check is one line of the report.
type check struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Summary string `json:"summary"`
	// Fix says what to change; set for problems and warnings.
	Fix string `json:"fix,omitempty"`
}

// serverInfo is what the tool learned about the server.
type serverInfo struct {
	// Kind is one of notebook6, nbclassic (jupyter_server with the classic
	// UI), jupyterlab, notebook7.
	Kind        string            `json:"kind"`
	Description string            `json:"description"`
	BaseURL     string            `json:"baseUrl"`
	Hub         bool              `json:"hub"`
	Versions    map[string]string `json:"versions"`
}

// report is the whole outcome of a run, as printed.
type report struct {
	Schema   int         `json:"schema"` // reportSchema
	URL      string      `json:"url"`
	Server   *serverInfo `json:"server,omitempty"`
	Checks   []check     `json:"checks"` // [] when the run stopped before the first
	Problems int         `json:"problems"`
	Warnings int         `json:"warnings"`
	// Verdict is healthy, problems, or error (Error says why).
	Verdict string `json:"verdict"`
	Error   string `json:"error,omitempty"`
}

// newReport returns the empty report of a run on url.
func newReport(url string) *report {
	return &report{Schema: reportSchema, URL: url, Checks: []check{}}
}

// add appends c to the report.
func (r *report) add(c check) { r.Checks = append(r.Checks, c) }

// ok appends a passed check whose summary is format with a.
func (r *report) ok(id, format string, a ...any) {
	r.add(check{ID: id, Status: statusOK, Summary: fmt.Sprintf(format, a...)})
}

// finish counts the verdicts and returns the exit status: 0 healthy,
// 1 problems, 3 for err a noAnswer, 2 for another err.
func (r *report) finish(err error) int {
	r.Problems, r.Warnings = 0, 0
	for _, c := range r.Checks {
		switch c.Status {
		case statusProblem:
			r.Problems++
		case statusWarning:
			r.Warnings++
		}
	}
	var none noAnswer
	switch {
	case errors.As(err, &none):
		r.Verdict, r.Error = "error", err.Error()
		return exitUnreachable
	case err != nil:
		r.Verdict, r.Error = "error", err.Error()
		return exitBadInput
	case r.Problems > 0:
		r.Verdict = "problems"
		return exitProblems
	}
	r.Verdict = "healthy"
	return exitHealthy
}

// writeJSON prints the report as indented JSON (--json).
func (r *report) writeJSON(w io.Writer) {
	out, _ := json.MarshalIndent(r, "", "  ")
	fmt.Fprintf(w, "%s\n", out)
}

// writeText prints the report for people: the server line, one line per
// check with its fix under it, and the verdict.
func (r *report) writeText(w io.Writer) {
	if r.Server != nil {
		fmt.Fprintf(w, "%-8s %s, base URL %s\n", "server", r.Server.Description, r.Server.BaseURL)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%-8s %-14s %s\n", c.Status, c.ID, c.Summary)
		if c.Fix != "" {
			fmt.Fprintf(w, "%-8s %-14s fix: %s\n", "", "", c.Fix)
		}
	}
	switch r.Verdict {
	case "error": // run prints the error on stderr
	case "problems":
		fmt.Fprintf(w, "%s, %s: saves from a browser will fail or are unsafe; see the fixes above\n",
			plural(r.Problems, "problem"), plural(r.Warnings, "warning"))
	default:
		fmt.Fprintf(w, "healthy: %s, %s\n", plural(r.Problems, "problem"), plural(r.Warnings, "warning"))
	}
}

// plural is "1 word" or "n words".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// quote shortens a server message for a summary line.
func quote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return fmt.Sprintf("%q", s)
}
