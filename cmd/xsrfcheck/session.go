// The browser-like HTTP client: a cookie jar that drops what browsers drop,
// every _xsrf Set-Cookie and redirect noted, errors that never show the
// URL's query.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// maxPage bounds how much of a response the tool reads.
const maxPage = 4 << 20

// transport carries every session's requests: the network, or in the
// golden tests (golden_test.go) a recording or a replay of exchanges with
// real servers.
var transport http.RoundTripper = http.DefaultTransport

// setCookie is one `_xsrf` Set-Cookie the server sent, with the request
// that got it.
type setCookie struct {
	method, url string
	cookie      *http.Cookie
}

// session is a browser-like HTTP client: a cookie jar that drops what a
// browser would drop, every `_xsrf` Set-Cookie recorded, redirects logged.
// It is used from one goroutine.
type session struct {
	client  *http.Client
	jar     http.CookieJar
	timeout time.Duration

	xsrfSet   []setCookie
	redirects []hop
	hubHeader string // X-JupyterHub-Version, when a response had it
	server    string // the Server header
}

// withHandshakeTimeout returns rt, or a copy of it whose TLS handshakes
// may take timeout (the default 10 s would cut --timeout short).
func withHandshakeTimeout(rt http.RoundTripper, timeout time.Duration) http.RoundTripper {
	if t, ok := rt.(*http.Transport); ok {
		t = t.Clone()
		t.TLSHandshakeTimeout = timeout
		return t
	}
	return rt
}

// newSession returns a session whose every request waits at most timeout
// for its answer.
func newSession(timeout time.Duration) *session {
	jar, _ := cookiejar.New(nil) // never fails without options
	s := &session{timeout: timeout}
	s.jar = browserJar{jar}
	s.client = &http.Client{
		Jar:       s.jar,
		Transport: recorder{s, withHandshakeTimeout(transport, timeout)},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return errors.New("more than 20 redirects")
			}
			from := via[len(via)-1]
			s.redirects = append(s.redirects, hop{from.URL, req.URL})
			if m := via[0].Method; m != http.MethodGet && m != http.MethodPost {
				return http.ErrUseLastResponse // a browser's fetch would not turn a PUT into a GET
			}
			if via[0].Method == http.MethodPost && originOf(req.URL) != originOf(via[0].URL) {
				// A 307 or 308 would send the form (a password) there
				// again; after a 301, 302 or 303 the login lands there.
				return offOrigin{originOf(req.URL)}
			}
			if originOf(req.URL) != originOf(from.URL) {
				// As a browser: another site gets the origin as Referer
				// (never ?token=) and none of the server's headers.
				req.Header.Set("Referer", originOf(from.URL)+"/")
				for _, h := range []string{"Authorization", "X-XSRFToken", "X-CSRFToken", "Origin"} {
					req.Header.Del(h)
				}
			}
			return nil
		},
	}
	return s
}

// offOrigin is the error of a POST redirected to another origin: the
// client stops there, so that the form it carried, a password, never
// reaches another site.
type offOrigin struct{ origin string }

// Error names the origin the POST was redirected to.
func (e offOrigin) Error() string {
	return "redirected to another site (" + e.origin + "), where xsrfcheck sends no form"
}

// hop is one redirect the client followed.
type hop struct{ from, to *url.URL }

// browserJar drops the cookies Chrome refuses to store: SameSite=None
// without Secure, and Secure cookies sent over plain http to a host other
// than localhost.
type browserJar struct{ http.CookieJar }

// SetCookies stores the cookies of cookies that a browser keeps.
func (j browserJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	var kept []*http.Cookie
	for _, c := range cookies {
		if dropped(u, c) == "" {
			kept = append(kept, c)
		}
	}
	j.CookieJar.SetCookies(u, kept)
}

// dropped says why a browser would not store c, set by a response from u,
// or "" when it would.
func dropped(u *url.URL, c *http.Cookie) string {
	switch {
	case c.SameSite == http.SameSiteNoneMode && !c.Secure:
		return "SameSite=None without Secure"
	case c.Secure && u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "Secure on plain http"
	}
	return ""
}

// isLoopback tells whether host is this machine (localhost, 127.0.0.1,
// ::1), where browsers keep Secure cookies sent over plain http.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// recorder notes what each response tells about cookies and the server.
type recorder struct {
	s    *session
	next http.RoundTripper
}

// RoundTrip sends req through the next transport and notes the `_xsrf`
// cookies, the JupyterHub version and the Server header of the answer.
func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	for _, c := range resp.Cookies() {
		if c.Name == xsrf.CookieName {
			r.s.xsrfSet = append(r.s.xsrfSet, setCookie{req.Method, req.URL.String(), c})
		}
	}
	if v := resp.Header.Get("X-JupyterHub-Version"); v != "" {
		r.s.hubHeader = v
	}
	if v := resp.Header.Get("Server"); v != "" {
		r.s.server = v
	}
	return resp, nil
}

// reply is a response read whole (up to maxPage).
type reply struct {
	status int
	header http.Header
	body   []byte
	final  *url.URL // after redirects
}

// noAnswer is the error of a request that got no HTTP answer at all:
// nothing listens at the address, its name does not resolve, or the
// connection broke or timed out before the answer's first line. When it
// stops the run, the exit status is 3 (exitUnreachable).
type noAnswer struct{ err error }

// Error says why there was no answer.
func (e noAnswer) Error() string { return e.err.Error() }

// Unwrap returns the reason.
func (e noAnswer) Unwrap() error { return e.err }

// whyNoAnswer words err, a client's error for the request what (such as
// "GET /tree") to host, as a noAnswer when it means that no HTTP answer
// came; else it returns nil.
func whyNoAnswer(err error, what, host string, timeout time.Duration) error {
	var ne net.Error
	var oe *net.OpError
	var errno syscall.Errno
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return noAnswer{fmt.Errorf("nothing answers at %s (%v)", host, oe.Err)}
	case errors.As(err, &oe) && oe.Op == "proxyconnect":
		return noAnswer{fmt.Errorf("nothing answers at %s: the proxy (HTTP_PROXY) does not (%v)", host, errors.Unwrap(oe.Err))}
	case errors.As(err, &ne) && ne.Timeout():
		return noAnswer{fmt.Errorf("%s: no answer within %s", what, timeout)}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		errors.As(err, &errno)
		return noAnswer{fmt.Errorf("%s: the connection broke before an answer (%v)", what, errno)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return noAnswer{fmt.Errorf("%s: the connection broke before an answer (closed by the other end)", what)}
	}
	return nil
}

// do sends one request and reads its answer. A request that got no
// answer comes back as a noAnswer naming the host or the request; no
// error shows the URL's query.
func (s *session) do(ctx context.Context, method, rawURL string, header http.Header, body []byte) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return reply{}, fmt.Errorf("not a usable URL: %v", err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v) // in canonical form, so that Del finds it
		}
	}
	what := method + " " + req.URL.Path // never the query: it may hold the token
	resp, err := s.client.Do(req)
	if err != nil {
		host := req.URL.Host
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
				host = u.Host // where a redirect led
			}
			err = ue.Err // without the URL and its query
		}
		if none := whyNoAnswer(err, what, host, s.timeout); none != nil {
			return reply{}, none
		}
		return reply{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return reply{}, fmt.Errorf("%s: reading the answer: %v", what, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data, final: resp.Request.URL}, nil
}

// xsrfCookies returns the `_xsrf` values the jar sends to u, in the order
// a browser sends them (longest path first).
func (s *session) xsrfCookies(u string) []string {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range s.jar.Cookies(parsed) {
		if c.Name == xsrf.CookieName {
			out = append(out, c.Value)
		}
	}
	return out
}

// originOf returns scheme://host[:port] of u.
func originOf(u *url.URL) string { return u.Scheme + "://" + u.Host }
