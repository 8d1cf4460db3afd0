// Golden tests: xsrfcheck's text report for exchanges recorded with real
// Jupyter servers, replayed without a network.
//
//	go test ./cmd/xsrfcheck/                       replays testdata/<case>.json
//	go test ./cmd/xsrfcheck/ -run Golden -update   records them again
//
// With -update, each case starts its server (Debian's Notebook 6 and
// jupyter_server 1 with nbclassic, the venv's JupyterLab and Notebook 7,
// with the options e2e/lib/servers.mjs gives them), runs xsrfcheck against
// it through a recording RoundTripper, stops it, and writes
// testdata/<case>.json (the exchanges) and testdata/<case>.golden (the
// report). It then replays the new recording at once and fails if the
// replay's report differs from the live one, i.e. if the recording lost
// something xsrfcheck reads.
//
// The recording holds, for each request in order: its method, path and
// query keys (never values), the notable request headers it carried, and
// the answer's status, the headers xsrfcheck reads and the body (a large
// HTML page trimmed to the elements Jupyter's pages give the tool). What
// depends on the run is written as a placeholder: {{host}} and {{port}}
// for the server's address, {{token}} and {{password}} for the login,
// {{home}} for the server's home directory, {{in Ns}} for a cookie's
// expiry N seconds after the answer. The replay puts values back
// (127.0.0.1:8888, a fixed token, now+N) and answers each request with the
// next recorded one; a request that is not the one recorded fails the test.
// The golden report is xsrfcheck's standard output, then its standard
// error and exit status, with the same placeholders.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update makes TestGoldenReports record its cases anew with live servers.
var update = flag.Bool("update", false, "re-record the golden tests' exchanges with live Jupyter servers and rewrite their golden reports")

// goldenCase is one recorded run: a server, how it is started, and how
// xsrfcheck is pointed at it.
type goldenCase struct {
	name  string
	about string // what the server is and what the report should say
	// server returns the command that starts the server on l's port, with
	// l's token (or password hash) and its files under root.
	server   func(l live, root string) (bin string, args []string)
	baseURL  string
	page     string   // the page named on the command line, under baseURL
	args     []string // more xsrfcheck flags
	password bool     // log in with --password-stdin instead of JUPYTER_TOKEN
}

// venv is the pinned Python environment with JupyterLab and Notebook 7.
var venv, _ = filepath.Abs(filepath.Join("..", "..", ".venv", "bin"))

// notebook6 starts Debian's Notebook 6.4 with extra options.
func notebook6(extra ...string) func(live, string) (string, []string) {
	return func(l live, root string) (string, []string) {
		return "/usr/bin/jupyter-notebook", append([]string{"--no-browser", "--allow-root", "--ip=127.0.0.1",
			"--port=" + l.port, "--NotebookApp.port_retries=0", "--NotebookApp.token=" + l.token,
			"--NotebookApp.notebook_dir=" + root}, extra...)
	}
}

// nbclassic starts Debian's jupyter_server 1 with the nbclassic UI, with
// extra options.
func nbclassic(extra ...string) func(live, string) (string, []string) {
	return func(l live, root string) (string, []string) {
		return "/usr/bin/jupyter-nbclassic", append([]string{"--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
			"--ServerApp.port=" + l.port, "--ServerApp.port_retries=0", "--ServerApp.token=" + l.token,
			"--ServerApp.root_dir=" + root}, extra...)
	}
}

// jupyterServer2 starts a venv app (jupyter-lab, jupyter-notebook) on
// jupyter_server 2, logging in with the token, or with the password when
// the live values have one.
func jupyterServer2(app string, extra ...string) func(live, string) (string, []string) {
	return func(l live, root string) (string, []string) {
		args := []string{"--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=" + l.port,
			"--ServerApp.port_retries=0", "--ServerApp.root_dir=" + root}
		if l.passwordHash != "" {
			args = append(args, "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password="+l.passwordHash,
				"--PasswordIdentityProvider.password_required=True")
		} else {
			args = append(args, "--IdentityProvider.token="+l.token)
		}
		return filepath.Join(venv, app), append(args, extra...)
	}
}

// goldenCases are the recorded runs. Every exchange comes from a real
// server; none was edited by hand (the failures are real servers' setups:
// a cookie browsers refuse, another server's cookie on a parent path, the
// XSRF check turned off).
var goldenCases = []goldenCase{
	{name: "notebook6", about: "Notebook 6.4 (Debian), token login: healthy",
		server: notebook6(), baseURL: "/", page: "tree"},
	{name: "lab", about: "JupyterLab 4.6 on jupyter_server 2 (venv), token login: healthy",
		server:  jupyterServer2("jupyter-lab", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"),
		baseURL: "/", page: "lab"},
	{name: "notebook7-password", about: "Notebook 7.6 on jupyter_server 2 (venv), password login: healthy",
		server: jupyterServer2("jupyter-notebook"), baseURL: "/", page: "tree", password: true},
	{name: "nbclassic-samesite-none", about: "jupyter_server 1 with nbclassic (Debian), _xsrf set with SameSite=None and without Secure on http: browsers refuse the cookie, saves fail",
		server:  nbclassic("--ServerApp.tornado_settings={'xsrf_cookie_kwargs': {'samesite': 'None'}}"),
		baseURL: "/", page: "tree"},
	{name: "nbclassic-shadowed", about: "jupyter_server 1 with nbclassic (Debian) at /user/alice/, with another server's _xsrf on / (--parent-xsrf): the server reads the other cookie, saves fail",
		server: nbclassic("--ServerApp.base_url=/user/alice/"), baseURL: "/user/alice/", page: "tree",
		args: []string{"--parent-xsrf", "/=2|1a2b3c4d|5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b|1700000000"}},
	{name: "notebook6-no-xsrf-check", about: "Notebook 6.4 (Debian) with disable_check_xsrf: saves without the token are accepted, a problem",
		server: notebook6("--NotebookApp.disable_check_xsrf=True"), baseURL: "/", page: "tree"},
}

// TestGoldenReports replays each case's recorded exchanges (or, with
// -update, records them anew) and compares xsrfcheck's report with the
// case's golden file.
func TestGoldenReports(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			tapeFile := filepath.Join("testdata", c.name+".json")
			goldenFile := filepath.Join("testdata", c.name+".golden")
			if *update {
				record(t, c, tapeFile, goldenFile)
			}
			data, err := os.ReadFile(tapeFile)
			require.NoError(t, err, "no recording: run go test -run Golden -update with the servers installed")
			var tp tape
			require.NoError(t, json.Unmarshal(data, &tp), tapeFile)
			want, err := os.ReadFile(goldenFile)
			require.NoError(t, err)
			assert.Equal(t, string(want), replay(t, c, tp), "the report differs from %s", goldenFile)
		})
	}
}

// runWith runs xsrfcheck with args through rt, logging in as the case
// does with l's token or password, and returns its report with l's values
// as placeholders: standard output, standard error, exit status.
func runWith(c goldenCase, l live, args []string, rt http.RoundTripper) string {
	saved := transport
	transport = rt
	defer func() { transport = saved }()
	getenv, stdin := env(map[string]string{tokenEnv: l.token}), empty()
	if c.password {
		getenv, stdin = noEnv, strings.NewReader(l.password+"\n")
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, getenv, stdin, &out, &errOut)
	report := l.norm(out.String())
	if errOut.Len() > 0 {
		report += "-- stderr --\n" + l.norm(errOut.String())
	}
	return report + fmt.Sprintf("-- exit status %d --\n", code)
}

// xsrfcheckArgs is the case's command line, with placeholders.
func xsrfcheckArgs(c goldenCase) []string {
	args := slices.Clone(c.args)
	if c.password {
		args = append(args, "--password-stdin")
	}
	return append(args, "http://{{host}}"+c.baseURL+c.page)
}

// replay runs the case against its recording and returns the report.
func replay(t *testing.T, c goldenCase, tp tape) string {
	l := replayLive
	rt := &replaying{t: t, l: l, exchanges: tp.Exchanges}
	var args []string
	for _, a := range tp.Args {
		args = append(args, l.denorm(a))
	}
	report := runWith(c, l, args, rt)
	if rt.next < len(tp.Exchanges) {
		t.Errorf("replay: %d recorded requests were not made, from %s", len(tp.Exchanges)-rt.next, tp.Exchanges[rt.next].Request)
	}
	return report
}
