package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// The tool against real servers is tested in e2e/xsrfcheck.test.mjs; these
// are its pure parts.

func TestParseArgs(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseArgs([]string{"http://127.0.0.1:8888/user/alice/lab?token=abc&x=1", "--json", "--read-only", "--parent-xsrf", "/=2|a|b|1"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, "abc", o.token)
	assert.Equal(t, "http://127.0.0.1:8888/user/alice/lab?x=1", o.target.String(), "the token leaves the URL")
	assert.Equal(t, "alice", o.user)
	assert.True(t, o.json)
	assert.True(t, o.readOnly)
	require.Len(t, o.parents, 1)
	assert.Equal(t, "/", o.parents[0].Path)
	assert.Equal(t, "2|a|b|1", o.parents[0].Value)

	o, err = parseArgs([]string{"--token", "t", "--user", "bob", "https://hub.example.org"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, "t", o.token)
	assert.Equal(t, "bob", o.user)
	assert.Equal(t, "/", o.target.Path)

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
		{"--no-such-flag", "http://a/"},
	} {
		_, err := parseArgs(bad, &stderr)
		assert.Error(t, err, "%q", bad)
	}
}

func TestRunExitStatus(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"not a url"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "not a URL")
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: xsrfcheck")
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
	code := run(context.Background(), []string{"--password", "secret", hub.URL + "/hub/"}, &out, &errOut)
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
