package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// maxPage bounds how much of a response the tool reads.
const maxPage = 4 << 20

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

func newSession(timeout time.Duration) *session {
	jar, _ := cookiejar.New(nil) // never fails without options
	s := &session{timeout: timeout}
	s.jar = browserJar{jar}
	s.client = &http.Client{
		Jar:       s.jar,
		Transport: recorder{s, http.DefaultTransport},
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

func (e offOrigin) Error() string {
	return "redirected to another site (" + e.origin + "), where xsrfcheck sends no form"
}

// hop is one redirect the client followed.
type hop struct{ from, to *url.URL }

// browserJar drops the cookies Chrome refuses to store: SameSite=None
// without Secure, and Secure cookies sent over plain http to a host other
// than localhost.
type browserJar struct{ http.CookieJar }

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

// do sends one request and reads its answer. Connection errors come back
// as fatal errors naming the host.
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
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL and its query
		}
		var ne net.Error
		var oe *net.OpError
		switch {
		case errors.As(err, &oe) && oe.Op == "dial":
			return reply{}, fmt.Errorf("nothing answers at %s (%v)", req.URL.Host, oe.Err)
		case errors.As(err, &ne) && ne.Timeout():
			return reply{}, fmt.Errorf("%s: no answer within %s", what, s.timeout)
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

// ---- pages ------------------------------------------------------------------

// page is what a Jupyter HTML page says about its server.
type page struct {
	flavor     xsrf.Flavor
	baseURL    string
	appName    string // JupyterLab, Jupyter Notebook
	appVersion string
	hubPrefix  string
	hubUser    string
	// token is true when the page holds an API token, which JupyterLab and
	// Notebook 7 send as Authorization: the server then skips the XSRF check.
	token bool
}

var (
	dataBaseURL = regexp.MustCompile(`<body[^>]*\sdata-base-url="([^"]*)"`)
	configData  = regexp.MustCompile(`(?s)<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>`)
	inputTag    = regexp.MustCompile(`<input[^>]*>`)
	valueAttr   = regexp.MustCompile(`\svalue="([^"]*)"`)
)

// parsePage reads a Jupyter page: the classic UI's body[data-base-url], or
// JupyterLab's and Notebook 7's #jupyter-config-data. It reports false for
// anything else.
func parsePage(html []byte) (page, bool) {
	if m := configData.FindSubmatch(html); m != nil {
		var cfg struct {
			BaseURL    string `json:"baseUrl"`
			AppName    string `json:"appName"`
			AppVersion string `json:"appVersion"`
			HubPrefix  string `json:"hubPrefix"`
			HubUser    string `json:"hubUser"`
			Token      string `json:"token"`
		}
		if json.Unmarshal(m[1], &cfg) == nil && cfg.BaseURL != "" {
			p := page{flavor: xsrf.Lab, baseURL: cfg.BaseURL, appName: cfg.AppName, appVersion: cfg.AppVersion,
				hubPrefix: cfg.HubPrefix, hubUser: cfg.HubUser, token: cfg.Token != ""}
			if cfg.AppName == "Jupyter Notebook" {
				p.flavor = xsrf.Notebook7
			}
			if base, err := xsrf.CleanBaseURL(p.baseURL); err == nil {
				p.baseURL = base
				return p, true
			}
		}
	}
	if m := dataBaseURL.FindSubmatch(html); m != nil {
		base, err := url.PathUnescape(htmlUnescape(string(m[1])))
		if err == nil {
			if base, err = xsrf.CleanBaseURL(base); err == nil {
				return page{flavor: xsrf.Classic, baseURL: base}, true
			}
		}
	}
	return page{}, false
}

// formXSRF returns the value of the hidden _xsrf field of a login form.
func formXSRF(html []byte) string {
	for _, tag := range inputTag.FindAll(html, -1) {
		if strings.Contains(string(tag), `name="_xsrf"`) {
			if m := valueAttr.FindSubmatch(tag); m != nil {
				return htmlUnescape(string(m[1]))
			}
		}
	}
	return ""
}

var htmlEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&#x27;", "'")

func htmlUnescape(s string) string { return htmlEntities.Replace(s) }

// isLogin tells whether a page is a login form: Jupyter's <base>login or
// JupyterHub's /hub/login. (xsrf.IsLoginPage says the same once the base
// URL is known; before the first page it is not.)
func isLogin(u *url.URL) bool {
	return strings.HasSuffix(u.Path, "/login") || strings.Contains(u.Path, "/hub/login")
}

func isHubPath(u *url.URL) bool { return strings.Contains(u.Path, "/hub/") }
