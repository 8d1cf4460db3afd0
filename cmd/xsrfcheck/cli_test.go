package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	savekeeper "github.com/savekeeper/savekeeper"
)

// The command line: --version, --help, the one-line usage errors, the exit
// statuses and the JSON report's frame.

// runArgs runs xsrfcheck with args, no environment and an empty standard
// input, and returns its exit status, standard output and standard error.
func runArgs(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, noEnv, empty(), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	require.NotEmpty(t, savekeeper.Version)
	for _, args := range [][]string{{"--version"}, {"-version"}, {"--version", "http://127.0.0.1:1/"}} {
		code, out, errOut := runArgs(args...)
		assert.Equal(t, 0, code, "%q: %s", args, errOut)
		assert.Equal(t, "xsrfcheck "+savekeeper.Version+"\n", out, "%q", args)
		assert.Empty(t, errOut, "%q", args)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-help"}, {"-h"}, {"http://127.0.0.1:1/", "--help"}} {
		code, out, errOut := runArgs(args...)
		assert.Equal(t, 0, code, "%q", args)
		assert.True(t, strings.HasPrefix(out, "usage: xsrfcheck [flags] URL\n"), "%q: %s", args, out)
		for _, flag := range []string{"-token", "-password-stdin", "-json", "-version", "-read-only"} {
			assert.Contains(t, out, flag, "%q", args)
		}
		assert.Contains(t, out, "3  the server could not be reached", "%q", args)
		assert.Empty(t, errOut, "%q", args)
	}
}

// Every usage error is one line naming it, then one line pointing to
// --help; nothing on standard output.
func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"-x", "http://a/"}, "xsrfcheck: flag provided but not defined: -x"},
		{[]string{"--no-such-flag", "http://a/"}, "xsrfcheck: flag provided but not defined: -no-such-flag"},
		{[]string{"http://a/", "--password"}, "xsrfcheck: flag needs an argument: -password"},
		{[]string{"--timeout", "soon", "http://a/"}, `xsrfcheck: invalid value "soon" for flag -timeout: parse error`},
		{[]string{"--parent-xsrf", "nopath", "http://a/"}, `xsrfcheck: invalid value "nopath" for flag -parent-xsrf: want PATH=VALUE`},
		{[]string{}, "xsrfcheck: no URL: give a page of the server, such as http://127.0.0.1:8888/tree"},
		{[]string{"--json"}, "xsrfcheck: no URL: give a page of the server"},
		{[]string{"http://a/", "http://b/"}, `xsrfcheck: want one URL, got 2: "http://a/" "http://b/"`},
		{[]string{"localhost:8888"}, `xsrfcheck: not a URL: "localhost:8888"`},
		{[]string{"--timeout", "0s", "http://a/"}, "xsrfcheck: --timeout must be positive"},
		{[]string{"--password", "p", "--password-stdin", "http://a/"}, "xsrfcheck: --password and --password-stdin: give the password one way"},
	} {
		code, out, errOut := runArgs(c.args...)
		assert.Equal(t, 2, code, "%q", c.args)
		assert.Empty(t, out, "%q", c.args)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		require.Len(t, lines, 2, "%q: %s", c.args, errOut)
		assert.True(t, strings.HasPrefix(lines[0], c.err), "%q: %s", c.args, lines[0])
		assert.Equal(t, "Run 'xsrfcheck --help' for usage.", lines[1], "%q", c.args)
	}
}

// closedPort returns an address of 127.0.0.1 where nothing listens: a port
// that was just bound, then closed.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// silentServer accepts connections and answers each with what answer does
// to it, never with HTTP; it stops with the test.
func silentServer(t *testing.T, answer func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); answer(c) }()
		}
	}()
	return ln.Addr().String()
}

// Exit status 3: no HTTP answer at all. Exit status 2: an answer, but not
// from a Jupyter server.
func TestUnreachableIsExitStatus3(t *testing.T) {
	closed := closedPort(t)
	reset := silentServer(t, func(c net.Conn) {
		_, _ = io.ReadAll(io.LimitReader(c, 1)) // the request has come
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a clean close
		}
		c.Close()
	})
	hangUp := silentServer(t, func(c net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(c)) // all of it: a clean close
		c.Close()
	})
	stall := silentServer(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // until the client gives up
		c.Close()
	})
	for _, c := range []struct {
		name, url, says string
	}{
		{"closed port", "http://" + closed + "/tree?token=secret", "nothing answers at " + closed},
		{"reset", "http://" + reset + "/tree?token=secret", "GET /tree: the connection broke before an answer (connection reset by peer)"},
		{"closed without an answer", "http://" + hangUp + "/tree?token=secret", "GET /tree: the connection broke before an answer (closed by the other end)"},
		{"no answer in time", "http://" + stall + "/tree?token=secret", "GET /tree: no answer within 300ms"},
		{"no such host", "http://xsrfcheck-test.invalid/tree?token=secret", "nothing answers at xsrfcheck-test.invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := runArgs("--timeout", "300ms", c.url)
			assert.Equal(t, 3, code, errOut)
			assert.Contains(t, errOut, c.says)
			assert.NotContains(t, out+errOut, "secret")
			assert.Less(t, time.Since(start), 10*time.Second)
		})
	}

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html><body>hello</body></html>"))
	}))
	defer plain.Close()
	code, _, errOut := runArgs(plain.URL + "/")
	assert.Equal(t, 2, code, "an answer, but not a Jupyter server")
	assert.Contains(t, errOut, "not a Jupyter server")

	// A reverse proxy whose Jupyter is down answers for it: the server is
	// not reachable (3), as when nothing answers at all.
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html><body>bad gateway</body></html>"))
		}))
		code, _, errOut := runArgs(proxy.URL + "/tree")
		proxy.Close()
		assert.Equal(t, 3, code, "HTTP %d: %s", status, errOut)
		assert.Contains(t, errOut, fmt.Sprintf("HTTP %d", status))
		assert.Contains(t, errOut, "Jupyter behind it does not answer")
	}
}

// A proxy (HTTP_PROXY) that does not answer is no answer either.
func TestUnreachableProxyIsExitStatus3(t *testing.T) {
	closed := closedPort(t)
	old := transport
	transport = &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: closed})}
	defer func() { transport = old }()
	code, _, errOut := runArgs("--timeout", "2s", "http://jupyter.example.org/tree")
	assert.Equal(t, 3, code, errOut)
	assert.Contains(t, errOut, "nothing answers at")
}

// The JSON report always has its schema and a list of checks, also when
// the run stopped before the first check.
func TestJSONReportFrame(t *testing.T) {
	code, out, _ := runArgs("--json", "http://"+closedPort(t)+"/")
	assert.Equal(t, 3, code)
	assert.Contains(t, out, `"checks": []`)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, float64(1), rep["schema"])
	assert.Equal(t, []any{}, rep["checks"])
	assert.Equal(t, "error", rep["verdict"])
	assert.Contains(t, rep["error"], "nothing answers at")
	assert.True(t, strings.HasPrefix(out, "{\n  \"schema\": 1,\n"), "the schema comes first: %s", out)

	srv := fakeJupyter("tok", "")
	defer srv.Close()
	var buf, errOut bytes.Buffer
	code = run(context.Background(), []string{"--json", "--read-only", srv.URL + "/tree"}, env(map[string]string{tokenEnv: "tok"}), empty(), &buf, &errOut)
	assert.NotEqual(t, 2, code, errOut.String())
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rep))
	assert.Equal(t, float64(1), rep["schema"])
	assert.NotEmpty(t, rep["checks"])
}

// A TLS handshake may take as long as any answer (--timeout), not the
// default transport's 10 s.
func TestHandshakeTimeout(t *testing.T) {
	rt := withHandshakeTimeout(http.DefaultTransport, time.Minute)
	tr, ok := rt.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, time.Minute, tr.TLSHandshakeTimeout)
	assert.Equal(t, 10*time.Second, http.DefaultTransport.(*http.Transport).TLSHandshakeTimeout, "the default is left alone")
}
