// Recording the golden tests' exchanges (go test -update): a live server
// started as e2e/lib/servers.mjs starts it, and the RoundTripper that
// records what xsrfcheck exchanges with it.

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recording is a RoundTripper that sends requests to the server and keeps
// each exchange, with the run's values as placeholders. xsrfcheck's session
// sends one request at a time.
type recording struct {
	l         live
	next      http.RoundTripper
	exchanges []exchange
}

// RoundTrip sends req and records it with its answer.
func (r *recording) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{Request: r.l.requestKey(req), Sent: r.l.sentHeaders(req)}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		ex.Error = r.l.norm(err.Error())
		r.exchanges = append(r.exchanges, ex)
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	answered, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		answered = time.Now()
	}
	ex.Status = resp.StatusCode
	ex.Header = map[string][]string{}
	for _, h := range keptHeaders {
		for _, v := range resp.Header.Values(h) {
			if h == "Set-Cookie" {
				v = expires.ReplaceAllStringFunc(v, func(m string) string {
					p := expires.FindStringSubmatch(m)
					at, err := http.ParseTime(strings.TrimSpace(p[2]))
					if err != nil {
						return m
					}
					return p[1] + fmt.Sprintf("{{in %ds}}", int(at.Sub(answered).Round(time.Second).Seconds()))
				})
			}
			ex.Header[h] = append(ex.Header[h], r.l.norm(v))
		}
	}
	ex.Body = r.l.norm(trim(resp.Header.Get("Content-Type"), body))
	r.exchanges = append(r.exchanges, ex)
	return resp, nil
}

var pageElements = regexp.MustCompile(`(?s)<script[^>]*id="jupyter-config-data"[^>]*>.*?</script>|<body[^>]*>|<form[^>]*>|<input[^>]*>`)

// trim shortens a body for the recording: a large HTML page to its start
// (at most 80 bytes, the most an error message quotes, and none of the
// elements below) and the elements xsrfcheck reads (the page config, body,
// form and input tags); anything else to its first 4 KB.
func trim(contentType string, body []byte) string {
	const max = 4 << 10
	switch {
	case len(body) <= max:
		return string(body)
	case strings.HasPrefix(contentType, "text/html"):
		start := min(len(body), 80)
		if loc := pageElements.FindIndex(body); loc != nil {
			start = min(start, loc[0])
		}
		parts := []string{string(body[:start]), fmt.Sprintf("<!-- recorded: %d bytes, trimmed to what xsrfcheck reads -->", len(body))}
		for _, m := range pageElements.FindAll(body, -1) {
			parts = append(parts, string(m))
		}
		return strings.Join(parts, "\n")
	}
	return string(body[:max])
}

// record starts the case's server, runs xsrfcheck against it through a
// recording, and writes the recording and the golden report, after
// checking that a replay of the recording gives the same report.
func record(t *testing.T, c goldenCase, tapeFile, goldenFile string) {
	l := live{port: freePort(t), token: rand.Text()}
	if c.password {
		l.token, l.password = "", "recorded-password-"+l.port
		out, err := exec.Command(filepath.Join(venv, "python"), "-c",
			"import sys; from jupyter_server.auth import passwd; print(passwd(sys.argv[1]))", l.password).Output()
		require.NoError(t, err, "hashing the password with the venv's jupyter_server")
		l.passwordHash = strings.TrimSpace(string(out))
	}
	root := t.TempDir()
	l.home = root
	bin, serverArgs := c.server(l, filepath.Join(root, "notebooks"))
	stop := startServer(t, bin, serverArgs, root, "http://"+l.host()+c.baseURL+"api")
	defer stop()

	rec := &recording{l: l, next: http.DefaultTransport}
	tp := tape{About: c.about, Args: xsrfcheckArgs(c)}
	for _, a := range append([]string{filepath.Base(bin)}, serverArgs...) {
		a = strings.ReplaceAll(a, "="+l.port, "={{port}}")
		if l.passwordHash != "" {
			a = strings.ReplaceAll(a, l.passwordHash, "{{password-hash}}")
		}
		tp.Server = append(tp.Server, l.norm(a))
	}
	var args []string
	for _, a := range tp.Args {
		args = append(args, l.denorm(a))
	}
	report := runWith(c, l, args, rec)
	tp.Exchanges = rec.exchanges

	// The replay must say what the server said; else the recording lost
	// something xsrfcheck reads.
	require.Equal(t, report, replay(t, c, tp), "the replay of the new recording differs from the live run")

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(tp))
	require.NoError(t, os.MkdirAll("testdata", 0o755))
	require.NoError(t, os.WriteFile(tapeFile, buf.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(goldenFile, []byte(report), 0o644))
	t.Logf("recorded %d exchanges with %s", len(tp.Exchanges), filepath.Base(bin))
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startServer starts bin with args in its own process group, with every
// Jupyter file under home, waits until apiURL answers 200, and returns
// the function that stops it.
func startServer(t *testing.T, bin string, args []string, home, apiURL string) func() {
	_, err := os.Stat(bin)
	require.NoError(t, err, "-update needs the server (make deps)")
	require.NoError(t, os.MkdirAll(filepath.Join(home, "notebooks"), 0o755))
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Join(home, "notebooks")
	cmd.Env = append(os.Environ(), "HOME="+home, "JUPYTER_CONFIG_DIR="+filepath.Join(home, "config"),
		"JUPYTER_DATA_DIR="+filepath.Join(home, "data"), "JUPYTER_RUNTIME_DIR="+filepath.Join(home, "runtime"),
		"IPYTHONDIR="+filepath.Join(home, "ipython"), "PYTHONUNBUFFERED=1")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("%s exited:\n%s", bin, log.String())
		default:
		}
		if r, err := http.Get(apiURL); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return stop
			}
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("%s did not answer at %s within 120 s", bin, apiURL)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
