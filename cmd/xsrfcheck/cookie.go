// The cookie checks (cookie, cookie-path, cookie-expiry, cookie-flags,
// shadow): the server's own `_xsrf`, how a browser stores it, and other
// servers' `_xsrf` on parent paths; with the cookie-path rules they use.

package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// cookiePath is the path a browser stores c under, set by a response to rawURL.
func cookiePath(c *http.Cookie, rawURL string) string {
	if strings.HasPrefix(c.Path, "/") {
		return c.Path
	}
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Path, "/") || strings.Count(u.Path, "/") < 2 {
		return "/"
	}
	return path.Dir(u.Path)
}

// covers tells whether a cookie on cookie path p is sent with a request for urlPath.
func covers(p, urlPath string) bool {
	return p == urlPath || (strings.HasPrefix(urlPath, p) && (strings.HasSuffix(p, "/") || urlPath[len(p)] == '/'))
}

// deletes tells whether a Set-Cookie removes the cookie instead of setting it.
func deletes(c *http.Cookie) bool {
	return c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()))
}

// appSetting names where a server's tornado settings go in its config file.
func appSetting(t *target) string {
	if t.info.Kind == "notebook6" {
		return "c.NotebookApp.tornado_settings"
	}
	return "c.ServerApp.tornado_settings"
}

// checkCookie finds the server's own `_xsrf` (the last one it set, from a
// URL under its base or on a path that reaches its API) and judges its
// path, expiry and flags.
func checkCookie(s *session, t *target, rep *report) {
	api := t.base() + "api/contents/"
	for _, sc := range s.xsrfSet {
		u, err := url.Parse(sc.url)
		if err != nil || originOf(u) != t.origin || deletes(sc.cookie) {
			continue
		}
		if covers(cookiePath(sc.cookie, sc.url), api) || strings.HasPrefix(u.Path, t.base()) {
			t.own = &sc
		}
	}
	if t.own == nil {
		rep.add(check{ID: "cookie", Status: statusProblem,
			Summary: "no page of the server set an _xsrf cookie, so the browser has no token to send with saves",
			Fix:     "load a page of the server (" + t.base() + ") once; if that does not set _xsrf, check the xsrf_cookies and xsrf_cookie_name settings"})
		return
	}
	own := t.own
	u, _ := url.Parse(own.url)
	rep.ok("cookie", "_xsrf set by %s %s", own.method, u.Path)

	p := cookiePath(own.cookie, own.url)
	scoped := fmt.Sprintf("add 'xsrf_cookie_kwargs': {'path': '%s'} to %s", t.base(), appSetting(t))
	switch {
	case strings.TrimSuffix(p, "/")+"/" == t.base():
		rep.ok("cookie-path", "path %s is the base URL", p)
	case covers(p, t.base()):
		fix := "upgrade to jupyter_server 1.12 or later, which scopes it to the base URL, or " + scoped
		if t.info.Kind != "notebook6" {
			fix = scoped
		}
		rep.add(check{ID: "cookie-path", Status: statusWarning,
			Summary: fmt.Sprintf("path %s is above the base URL %s: every Jupyter server on this host shares it, and another server's _xsrf there breaks saves here", p, t.base()),
			Fix:     fix})
	default:
		rep.add(check{ID: "cookie-path", Status: statusProblem,
			Summary: fmt.Sprintf("path %s does not cover the pages under %s: their scripts cannot read the token", p, t.base()),
			Fix:     scoped})
	}

	c := own.cookie
	if c.MaxAge == 0 && c.Expires.IsZero() {
		rep.ok("cookie-expiry", "a session cookie: it lasts until the browser closes")
	} else {
		left := time.Until(c.Expires)
		if c.MaxAge > 0 {
			left = time.Duration(c.MaxAge) * time.Second
		}
		if left < 24*time.Hour {
			rep.add(check{ID: "cookie-expiry", Status: statusWarning,
				Summary: fmt.Sprintf("it expires in %s: after that saves fail until a page of the server is loaded again", left.Round(time.Minute)),
				Fix:     "give it a longer life with 'expires_days' in xsrf_cookie_kwargs, or let SaveKeeper renew it"})
		} else {
			rep.ok("cookie-expiry", "it expires in %d days", int(math.Round(left.Hours()/24)))
		}
	}

	switch why := dropped(u, c); {
	case why != "":
		fix := "serve Jupyter over https, or remove 'secure' from xsrf_cookie_kwargs"
		if c.SameSite == http.SameSiteNoneMode && !c.Secure {
			fix = "remove 'samesite' from xsrf_cookie_kwargs, or serve Jupyter over https and add 'secure': True"
		}
		rep.add(check{ID: "cookie-flags", Status: statusProblem,
			Summary: fmt.Sprintf("%s: browsers drop such a cookie, so the page has no token to send", why), Fix: fix})
	case c.HttpOnly && t.page.token:
		rep.add(check{ID: "cookie-flags", Status: statusWarning,
			Summary: "HttpOnly: the page's scripts cannot read the token; saves work only while the page's API token does (it makes the server skip the XSRF check)",
			Fix:     "remove 'httponly' from xsrf_cookie_kwargs"})
	case c.HttpOnly:
		rep.add(check{ID: "cookie-flags", Status: statusProblem,
			Summary: "HttpOnly: the page's scripts cannot read the token, so they cannot send X-XSRFToken",
			Fix:     "remove 'httponly' from xsrf_cookie_kwargs"})
	case c.Secure && u.Scheme == "http":
		rep.add(check{ID: "cookie-flags", Status: statusWarning,
			Summary: "Secure on plain http: browsers keep it only because the host is local",
			Fix:     "serve Jupyter over https, or remove 'secure' from xsrf_cookie_kwargs"})
	default:
		rep.ok("cookie-flags", "SameSite %s, %s, readable by the page's scripts", sameSite(c), map[bool]string{true: "Secure", false: "not Secure"}[c.Secure])
	}
}

// sameSite names c's SameSite attribute as the cookie-flags check prints it.
func sameSite(c *http.Cookie) string {
	switch c.SameSite {
	case http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return "not set (Lax)"
}

// checkShadow looks for `_xsrf` cookies on parent paths that reach the
// server with its own: tornado reads the last one, the page sends another.
func checkShadow(s *session, t *target, rep *report) {
	vals := s.xsrfCookies(t.apiURL("x"))
	if len(vals) < 2 {
		rep.ok("shadow", "no other _xsrf cookie reaches the server")
		return
	}
	fix := "in the browser, delete the _xsrf cookies of this host on parent paths of " + t.base() +
		" (another Jupyter server set them, and sets them again when opened); to keep them apart, give each server its own host name: cookies ignore the port"
	switch {
	case t.info.Hub:
		rep.add(check{ID: "shadow", Status: statusWarning,
			Summary: fmt.Sprintf("%d _xsrf cookies reach the server; JupyterHub takes the first whose signature is valid", len(vals)), Fix: fix})
	case t.sentToken(s) == vals[len(vals)-1]:
		rep.add(check{ID: "shadow", Status: statusWarning,
			Summary: fmt.Sprintf("%d _xsrf cookies reach the server; the page happens to send the one it reads", len(vals)), Fix: fix})
	default:
		rep.add(check{ID: "shadow", Status: statusProblem,
			Summary: fmt.Sprintf("%d _xsrf cookies reach the server: it reads the one on the shortest path, the page sends another, so saves fail with \"XSRF cookie does not match\"", len(vals)),
			Fix:     fix})
	}
}
