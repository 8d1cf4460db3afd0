package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// The tool against real servers is tested in e2e/xsrfcheck.test.mjs; these
// are its pure parts.

func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"http://127.0.0.1:8888/user/alice/lab?token=abc&x=1", "--json", "--read-only", "--parent-xsrf", "/=2|a|b|1"})
	require.NoError(t, err)
	assert.Equal(t, "abc", o.token)
	assert.Equal(t, "http://127.0.0.1:8888/user/alice/lab?x=1", o.target.String(), "the token leaves the URL")
	assert.Equal(t, "alice", o.user)
	assert.True(t, o.json)
	assert.True(t, o.readOnly)
	require.Len(t, o.parents, 1)
	assert.Equal(t, "/", o.parents[0].Path)
	assert.Equal(t, "2|a|b|1", o.parents[0].Value)
	assert.Equal(t, []exposure{tokenInURL}, o.exposed)

	o, err = parseArgs([]string{"--token", "t", "--user", "bob", "https://hub.example.org"})
	require.NoError(t, err)
	assert.Equal(t, "t", o.token)
	assert.Equal(t, "bob", o.user)
	assert.Equal(t, "/", o.target.Path)
	assert.Equal(t, []exposure{tokenFlag}, o.exposed)

	o, err = parseArgs([]string{"--password-stdin", "--token", "t", "http://a/?token=u"})
	require.NoError(t, err)
	assert.True(t, o.passwordStdin)
	assert.Equal(t, "t", o.token, "--token wins over ?token=")
	assert.Equal(t, []exposure{tokenFlag, tokenInURL}, o.exposed)

	for _, bad := range [][]string{
		{},
		{"localhost:8888"},
		{"ftp://example.org/"},
		{"http:///tree"},
		{"http://user:pw@example.org/"},
		{"http://a/", "http://b/"},
		{"--parent-xsrf", "nopath", "http://a/"},
		{"--parent-xsrf", "/=", "http://a/"},
		{"--parent-xsrf", "/%zz=v", "http://a/"},
		{"--parent-xsrf", "/a/../=v", "http://a/"},
		{"--timeout", "0s", "http://a/"},
		{"--password", "p", "--password-stdin", "http://a/"},
		{"--password", "http://a/"},
		{"--no-such-flag", "http://a/"},
	} {
		_, err := parseArgs(bad)
		var usage usageError
		assert.ErrorAs(t, err, &usage, "%q", bad)
	}

	o, err = parseArgs([]string{"--version"})
	require.NoError(t, err, "--version needs no URL")
	assert.True(t, o.version)
	_, err = parseArgs([]string{"--help", "http://a/"})
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestRunExitStatus(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"not a url"}, noEnv, empty(), &out, &errOut))
	assert.Contains(t, errOut.String(), "not a URL")
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, noEnv, empty(), &out, &errOut))
	assert.Contains(t, out.String(), "usage: xsrfcheck")
}

func TestParsePage(t *testing.T) {
	p, ok := parsePage([]byte(`<html><body class="notebook_app" data-base-url="/user/al%20ice/" data-notebook-name="x.ipynb">`))
	require.True(t, ok)
	assert.Equal(t, page{flavor: xsrf.Classic, baseURL: "/user/al ice/"}, p)

	p, ok = parsePage([]byte(`<script id="jupyter-config-data" type="application/json">{"appName": "JupyterLab", "appVersion": "4.6.6", "baseUrl": "/user/alice/", "hubPrefix": "/hub/", "hubUser": "alice", "token": "x"}</script>`))
	require.True(t, ok)
	assert.Equal(t, page{flavor: xsrf.Lab, baseURL: "/user/alice/", appName: "JupyterLab", appVersion: "4.6.6", hubPrefix: "/hub/", hubUser: "alice", token: true}, p)

	p, ok = parsePage([]byte("<script id=\"jupyter-config-data\" type=\"application/json\">\n{\"appName\": \"Jupyter Notebook\", \"appVersion\": \"7.6.5\", \"baseUrl\": \"/\"}\n</script>"))
	require.True(t, ok)
	assert.Equal(t, xsrf.Notebook7, p.flavor)

	for _, bad := range []string{
		`<html><body>hello</body></html>`,
		`<body data-base-url="../../etc/">`,
		`<body data-base-url="/a//b/">`,
		`<script id="jupyter-config-data" type="application/json">{not json</script>`,
		`<script id="jupyter-config-data" type="application/json">{"baseUrl": "relative/"}</script>`,
	} {
		_, ok := parsePage([]byte(bad))
		assert.False(t, ok, bad)
	}
}

func TestFormXSRF(t *testing.T) {
	assert.Equal(t, "2|ab|cd|1", formXSRF([]byte(`<form><input type="hidden" name="_xsrf" value="2|ab|cd|1"/><input name="password"></form>`)))
	assert.Equal(t, `a"b`, formXSRF([]byte(`<input value="a&quot;b" name="_xsrf" type="hidden">`)))
	assert.Equal(t, "", formXSRF([]byte(`<input name="password" value="x">`)))
}

func TestBrowserJarDropsWhatBrowsersDrop(t *testing.T) {
	plain, _ := url.Parse("http://jupyter.example.org/")
	local, _ := url.Parse("http://127.0.0.1:8888/")
	tls, _ := url.Parse("https://jupyter.example.org/")
	none := &http.Cookie{Name: "_xsrf", Value: "v", SameSite: http.SameSiteNoneMode}
	secure := &http.Cookie{Name: "_xsrf", Value: "v", Secure: true}
	assert.Equal(t, "SameSite=None without Secure", dropped(local, none))
	assert.Equal(t, "Secure on plain http", dropped(plain, secure))
	assert.Equal(t, "", dropped(local, secure), "browsers keep Secure cookies from localhost")
	assert.Equal(t, "", dropped(tls, secure))
	assert.Equal(t, "", dropped(plain, &http.Cookie{Name: "_xsrf", Value: "v"}))

	s := newSession(0)
	s.jar.SetCookies(plain, []*http.Cookie{none, {Name: "other", Value: "kept"}})
	assert.Empty(t, s.xsrfCookies("http://jupyter.example.org/api/contents/x"))
	assert.Len(t, s.jar.Cookies(plain), 1)
}

func TestCookiePaths(t *testing.T) {
	assert.Equal(t, "/user/alice/", cookiePath(&http.Cookie{Path: "/user/alice/"}, "http://h/x"))
	assert.Equal(t, "/user/alice", cookiePath(&http.Cookie{}, "http://h/user/alice/tree"), "default path: the request's directory")
	assert.Equal(t, "/", cookiePath(&http.Cookie{}, "http://h/tree"))
	assert.True(t, covers("/", "/api/contents/"))
	assert.True(t, covers("/user/alice/", "/user/alice/api/contents/"))
	assert.True(t, covers("/user/alice", "/user/alice/api/contents/"))
	assert.False(t, covers("/user/al", "/user/alice/api/contents/"))
	assert.False(t, covers("/user/bob/", "/user/alice/api/contents/"))
}

func TestPageSendsLast(t *testing.T) {
	assert.False(t, pageSendsLast(page{flavor: xsrf.Classic}))
	assert.False(t, pageSendsLast(page{flavor: xsrf.Lab, appVersion: "4.5.2"}))
	assert.True(t, pageSendsLast(page{flavor: xsrf.Lab, appVersion: "4.6.0"}))
	assert.True(t, pageSendsLast(page{flavor: xsrf.Lab, appVersion: "5.0.0a1"}))
	assert.False(t, pageSendsLast(page{flavor: xsrf.Notebook7, appVersion: "7.5.1"}))
	assert.True(t, pageSendsLast(page{flavor: xsrf.Notebook7, appVersion: "7.6.5"}))
	assert.False(t, pageSendsLast(page{flavor: xsrf.Lab, appVersion: ""}))
}

func TestReportVerdicts(t *testing.T) {
	r := &report{URL: "http://h/"}
	r.ok("login", "in")
	r.add(check{ID: "cookie-path", Status: statusWarning, Summary: "above", Fix: "scope it"})
	assert.Equal(t, 0, r.finish(nil), "warnings alone are healthy")
	var out bytes.Buffer
	r.writeText(&out)
	assert.Contains(t, out.String(), "healthy: 0 problems, 1 warning\n")
	assert.Contains(t, out.String(), "fix: scope it")

	r.add(check{ID: "save", Status: statusProblem, Summary: "refused", Fix: "pass the header"})
	assert.Equal(t, 1, r.finish(nil))
	assert.Equal(t, 2, r.finish(errors.New("interrupted")))
	assert.Equal(t, "error", r.Verdict)
	assert.Equal(t, 3, r.finish(fmt.Errorf("the login: %w", noAnswer{errors.New("nothing answers at h")})))
	assert.Equal(t, "the login: nothing answers at h", r.Error)
	out.Reset()
	r.writeJSON(&out)
	assert.True(t, strings.HasPrefix(out.String(), "{\n"))
	assert.Contains(t, out.String(), `"problems": 1`)
}

// A login page on another site (an OAuth provider, say) never gets the
// password. httptest servers stand in for a JupyterHub with an external
// login, which no packaged server here has.
func TestPasswordStaysOnTheServersOrigin(t *testing.T) {
	posted := false
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posted = true
		}
		_, _ = w.Write([]byte(`<form method="post"><input type="hidden" name="_xsrf" value="x"/></form>`))
	}))
	defer other.Close()
	hub := httptest.NewServer(http.RedirectHandler(other.URL+"/login?next=%2F", http.StatusFound))
	defer hub.Close()

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--password", "secret", hub.URL + "/hub/"}, noEnv, empty(), &out, &errOut)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut.String(), "the login is on another site")
	assert.False(t, posted, "the password went to another site")
	assert.NotContains(t, out.String()+errOut.String(), "secret")
}

// Redirects as a browser's fetch meets them: a PUT is not turned into a
// GET of the page it is sent to, and another site gets neither the
// server's headers nor a Referer with the token in it.
func TestRedirects(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = w.Write([]byte("elsewhere"))
	}))
	defer other.Close()
	jupyter := httptest.NewServer(http.RedirectHandler(other.URL+"/sso", http.StatusFound))
	defer jupyter.Close()

	s := newSession(5 * time.Second)
	r, err := s.do(context.Background(), "PUT", jupyter.URL+"/api/contents/x", http.Header{"X-XSRFToken": {"t"}}, []byte("{}"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, r.status, "a PUT is not followed")
	assert.Nil(t, got)

	_, err = s.do(context.Background(), "GET", jupyter.URL+"/tree?token=secret",
		http.Header{"X-XSRFToken": {"t"}, "Authorization": {"token secret"}}, nil)
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, jupyter.URL+"/", got.Get("Referer"))
	assert.Empty(t, got.Get("X-XSRFToken"))
	assert.Empty(t, got.Get("Authorization"))
}

func TestErrorsNeverShowTheToken(t *testing.T) {
	s := newSession(time.Second)
	_, err := s.do(context.Background(), "GET", "http://127.0.0.1:1/tree?token=secret", nil, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

// A login form's POST (the password, the form's _xsrf) never goes to
// another origin, whatever the redirect: a 307 or 308 would make the
// client send the form again to where it points, and the run stops as for
// a login form on another site.
func TestLoginFormNeverLeavesTheOrigin(t *testing.T) {
	for _, hub := range []bool{false, true} {
		for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect,
			http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
			name := fmt.Sprintf("hub=%v/%d", hub, code)
			t.Run(name, func(t *testing.T) {
				type seen struct{ method, query, body, auth string }
				var mu sync.Mutex
				var got []seen
				other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					mu.Lock()
					got = append(got, seen{r.Method, r.URL.RawQuery, string(body), r.Header.Get("Authorization")})
					mu.Unlock()
					_, _ = w.Write([]byte(`<body data-base-url="/">`))
				}))
				defer other.Close()
				login := "/login"
				if hub {
					login = "/hub/login"
				}
				server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == login && r.Method == http.MethodPost:
						http.Redirect(w, r, other.URL+"/next", code)
					case r.URL.Path == login:
						_, _ = w.Write([]byte(`<form method="post"><input type="hidden" name="_xsrf" value="2|a|b|1"/><input name="password"></form>`))
					default:
						http.Redirect(w, r, login+"?next=%2Ftree", http.StatusFound)
					}
				}))
				defer server.Close()

				args := []string{"--password", "hunter2", server.URL + "/tree"}
				if hub {
					args = []string{"--password", "hunter2", "--user", "alice", server.URL + "/hub/"}
				}
				var out, errOut bytes.Buffer
				status := run(context.Background(), args, noEnv, empty(), &out, &errOut)
				assert.Equal(t, 2, status)
				assert.Contains(t, errOut.String(), "the login redirects to another site")
				mu.Lock()
				defer mu.Unlock()
				for _, s := range got {
					assert.NotContains(t, s.body+s.query, "hunter2", "the password went to another origin")
					assert.Empty(t, s.body, "a body went to another origin (%s)", s.method)
					assert.Empty(t, s.auth, "Authorization went to another origin")
				}
				assert.NotContains(t, out.String()+errOut.String(), "hunter2")
			})
		}
	}
}

// noEnv is an environment without variables.
func noEnv(string) string { return "" }

// empty is an empty standard input.
func empty() io.Reader { return strings.NewReader("") }

// fakeJupyter is a server with the classic UI that lets in whoever brings
// token (in ?token=) or password (in its login form); "" turns either off.
func fakeJupyter(token, password string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loggedIn := &http.Cookie{Name: "login", Value: "ok", Path: "/"}
		c, err := r.Cookie("login")
		in := (err == nil && c.Value == "ok") || (token != "" && r.URL.Query().Get("token") == token)
		switch {
		case r.URL.Path == "/login" && r.Method == http.MethodPost && password != "" && r.PostFormValue("password") == password:
			http.SetCookie(w, loggedIn)
			http.Redirect(w, r, "/tree", http.StatusFound)
		case r.URL.Path == "/login":
			_, _ = w.Write([]byte(`<form method="post"><input type="hidden" name="_xsrf" value="2|a|b|1"/><input name="password"></form>`))
		case !in:
			http.Redirect(w, r, "/login?next=%2Ftree", http.StatusFound)
		default:
			http.SetCookie(w, loggedIn)
			http.SetCookie(w, &http.Cookie{Name: "_xsrf", Value: "2|a|b|1", Path: "/"})
			_, _ = w.Write([]byte(`<body data-base-url="/">`))
		}
	}))
}

// env is an environment with the variables given.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// The token comes from JUPYTER_TOKEN when the command line has none, and
// not when it logs in with a password.
func TestTokenFromEnvironment(t *testing.T) {
	srv := fakeJupyter("env-secret", "pw-secret")
	defer srv.Close()
	var out, errOut bytes.Buffer
	status := run(context.Background(), []string{"--read-only", srv.URL + "/tree"},
		env(map[string]string{"JUPYTER_TOKEN": "env-secret"}), empty(), &out, &errOut)
	assert.NotEqual(t, 2, status, errOut.String())
	assert.Contains(t, out.String(), "logged in with the token from JUPYTER_TOKEN")
	assert.NotContains(t, errOut.String(), "warning")
	assert.NotContains(t, out.String()+errOut.String(), "env-secret")

	out.Reset()
	errOut.Reset()
	status = run(context.Background(), []string{"--read-only", "--password-stdin", srv.URL + "/tree"},
		env(map[string]string{"JUPYTER_TOKEN": "another-servers"}), strings.NewReader("pw-secret\n"), &out, &errOut)
	assert.NotEqual(t, 2, status, errOut.String())
	assert.Contains(t, out.String(), "logged in with the password")

	out.Reset()
	errOut.Reset()
	status = run(context.Background(), []string{"--read-only", srv.URL + "/tree"},
		env(map[string]string{"JUPYTER_TOKEN": "not-env-secret"}), empty(), &out, &errOut)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut.String(), "wrong token from JUPYTER_TOKEN")
	assert.NotContains(t, out.String()+errOut.String(), "not-env-secret")
}

// --password-stdin reads the first line of standard input.
func TestPasswordFromStdin(t *testing.T) {
	srv := fakeJupyter("", "pw secret")
	defer srv.Close()
	for _, in := range []string{"pw secret\n", "pw secret\r\nnext line\n", "pw secret"} {
		var out, errOut bytes.Buffer
		status := run(context.Background(), []string{"--password-stdin", "--read-only", srv.URL + "/tree"},
			noEnv, strings.NewReader(in), &out, &errOut)
		assert.NotEqual(t, 2, status, "%q: %s", in, errOut.String())
		assert.Contains(t, out.String(), "logged in with the password", "%q", in)
		assert.NotContains(t, errOut.String(), "warning", "%q", in)
		assert.NotContains(t, out.String()+errOut.String(), "pw secret")
	}
	for _, in := range []string{"", "\n", "\r\n"} {
		var out, errOut bytes.Buffer
		status := run(context.Background(), []string{"--password-stdin", srv.URL + "/tree"},
			noEnv, strings.NewReader(in), &out, &errOut)
		assert.Equal(t, 2, status, "%q", in)
		assert.Contains(t, errOut.String(), "--password-stdin: no password on standard input", "%q", in)
	}
	var out, errOut bytes.Buffer
	status := run(context.Background(), []string{"--password-stdin", "--password", "x", srv.URL + "/tree"},
		noEnv, strings.NewReader("pw secret\n"), &out, &errOut)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut.String(), "--password and --password-stdin")
}

// A secret on the command line, where other users of the machine see it,
// brings a warning that names the safer way and never the secret.
func TestSecretArgumentsWarn(t *testing.T) {
	srv := fakeJupyter("tok-secret", "pw-secret")
	defer srv.Close()
	for _, c := range []struct {
		args  []string
		safer string
	}{
		{[]string{"--token", "tok-secret", srv.URL + "/tree"}, "JUPYTER_TOKEN"},
		{[]string{srv.URL + "/tree?token=tok-secret"}, "JUPYTER_TOKEN"},
		{[]string{"--password", "pw-secret", srv.URL + "/tree"}, "--password-stdin"},
	} {
		var out, errOut bytes.Buffer
		status := run(context.Background(), append([]string{"--read-only"}, c.args...), noEnv, empty(), &out, &errOut)
		assert.NotEqual(t, 2, status, "%q: %s", c.args, errOut.String())
		assert.Contains(t, errOut.String(), "visible to other users of this machine", "%q", c.args)
		assert.Contains(t, errOut.String(), c.safer, "%q", c.args)
		assert.NotContains(t, out.String()+errOut.String(), "secret", "%q", c.args)
	}
}
