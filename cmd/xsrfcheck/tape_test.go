// The recordings of the golden tests (golden_test.go): what is stored of
// an exchange, the placeholders for what depends on the run, and the
// RoundTripper that replays a recording.

package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tape is a recorded run, as stored in testdata/<case>.json.
type tape struct {
	About     string     `json:"about"`
	Server    []string   `json:"server"` // the command that started it
	Args      []string   `json:"args"`   // xsrfcheck's command line
	Exchanges []exchange `json:"exchanges"`
}

// exchange is one request xsrfcheck's session sent and the answer it got.
type exchange struct {
	// Request is the method, the path and the query's keys, such as
	// "GET /tree?token".
	Request string `json:"request"`
	// Sent lists the notable request headers: X-XSRFToken, Authorization
	// and the names of the cookies sent.
	Sent   []string            `json:"sent,omitempty"`
	Status int                 `json:"status,omitempty"`
	Header map[string][]string `json:"header,omitempty"`
	Body   string              `json:"body,omitempty"`
	// Error is the transport's error, when there was no answer.
	Error string `json:"error,omitempty"`
}

// keptHeaders are the response headers xsrfcheck reads.
var keptHeaders = []string{"Content-Type", "Location", "Server", "Set-Cookie", "X-Jupyterhub-Version"}

// live holds the values of one run that the recordings write as
// placeholders.
type live struct {
	port, token  string
	password     string
	passwordHash string // for the server's command line only
	home         string // the server's home directory, in its pages
}

// replayLive are the values a replay puts in place of the placeholders.
var replayLive = live{port: "8888", token: "0123456789abcdef01234567", password: "recorded-password", home: "/tmp/jupyter-home"}

// host is the server's host:port.
func (l live) host() string { return "127.0.0.1:" + l.port }

var (
	expires   = regexp.MustCompile(`(?i)(; *expires=)([^;]+)`)
	inSeconds = regexp.MustCompile(`\{\{in (-?\d+)s\}\}`)
)

// norm writes the run's values in s as placeholders.
func (l live) norm(s string) string {
	pairs := []string{l.host(), "{{host}}", "127-0-0-1-" + l.port, "127-0-0-1-{{port}}"}
	if l.token != "" {
		pairs = append(pairs, l.token, "{{token}}")
	}
	if l.password != "" {
		pairs = append(pairs, l.password, "{{password}}")
	}
	if l.home != "" {
		pairs = append(pairs, l.home, "{{home}}")
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// denorm puts the run's values in place of the placeholders in s.
func (l live) denorm(s string) string {
	s = strings.NewReplacer("{{host}}", l.host(), "{{port}}", l.port, "{{token}}", l.token,
		"{{password}}", l.password, "{{home}}", l.home).Replace(s)
	return inSeconds.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(inSeconds.FindStringSubmatch(m)[1])
		return time.Now().Add(time.Duration(n) * time.Second).UTC().Format(http.TimeFormat)
	})
}

// requestKey is how a recording names a request: method, path, query keys.
func (l live) requestKey(req *http.Request) string {
	key := req.Method + " " + req.URL.EscapedPath()
	if q := req.URL.Query(); len(q) > 0 {
		var keys []string
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		key += "?" + strings.Join(keys, "&")
	}
	return l.norm(key)
}

// sentHeaders lists the notable headers of req (see exchange.Sent).
func (l live) sentHeaders(req *http.Request) []string {
	var out []string
	for _, h := range []string{"X-XSRFToken", "Authorization"} {
		if req.Header.Get(h) != "" {
			out = append(out, h)
		}
	}
	var names []string
	for _, c := range req.Cookies() {
		names = append(names, l.norm(c.Name))
	}
	if len(names) > 0 {
		out = append(out, "Cookie: "+strings.Join(names, ", "))
	}
	return out
}

// replaying is a RoundTripper that answers each request with the next
// recorded exchange. A request other than the one recorded is an error of
// the test (and of the request).
type replaying struct {
	t         *testing.T
	l         live
	exchanges []exchange
	next      int
}

// RoundTrip answers req from the recording.
func (r *replaying) RoundTrip(req *http.Request) (*http.Response, error) {
	key, sent := r.l.requestKey(req), r.l.sentHeaders(req)
	if r.next >= len(r.exchanges) {
		r.t.Errorf("replay: request %d, %s, was not recorded (the recording ends after %d)", r.next+1, key, len(r.exchanges))
		return nil, errors.New("replay: not recorded")
	}
	ex := r.exchanges[r.next]
	r.next++
	if key != ex.Request || !slices.Equal(sent, ex.Sent) {
		r.t.Errorf("replay: request %d is %s with %q; recorded: %s with %q", r.next, key, sent, ex.Request, ex.Sent)
		return nil, errors.New("replay: not the request recorded")
	}
	if ex.Error != "" {
		return nil, errors.New(r.l.denorm(ex.Error))
	}
	h := http.Header{}
	for k, vs := range ex.Header {
		for _, v := range vs {
			h.Add(k, r.l.denorm(v))
		}
	}
	body := r.l.denorm(ex.Body)
	return &http.Response{
		StatusCode: ex.Status, Status: fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}, nil
}
