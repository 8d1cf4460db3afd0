package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// target is the server under test, once its page was read.
type target struct {
	origin string // scheme://host
	page   page
	info   *serverInfo
	own    *setCookie // the server's own _xsrf, as it set it
}

func (t *target) base() string { return t.page.baseURL }

// apiURL is a URL of the contents API, where saves go.
func (t *target) apiURL(name string) string { return t.origin + t.base() + "api/contents/" + name }

// diagnose runs every check into rep. It returns an error only when the
// run cannot go on: bad input, no Jupyter server, no login, interruption.
func diagnose(ctx context.Context, o options, rep *report) error {
	s := newSession(o.timeout)
	first, how, err := open(ctx, s, o)
	if err != nil {
		return err
	}
	pg, ok := parsePage(first.body)
	if !ok {
		if isHubPath(first.final) {
			return fatalf("JupyterHub did not open the user's server (ended at %s): start it from the hub's home page, then run xsrfcheck again", first.final.Path)
		}
		return fatalf("no Jupyter page at %s (HTTP %d): not a Jupyter server, or not one of its pages", first.final, first.status)
	}
	t := &target{origin: first.final.Scheme + "://" + first.final.Host, page: pg}
	// Other servers' cookies come after the server set its own, as when
	// another server on the host is opened later.
	for _, c := range o.parents {
		u, _ := url.Parse(t.origin + c.Path)
		s.jar.SetCookies(u, []*http.Cookie{c})
	}
	t.info = identify(ctx, s, t)
	rep.Server = t.info
	rep.ok("login", "%s", how)

	checkCookie(s, t, rep)
	checkShadow(s, t, rep)
	checkRedirects(s, t, rep)
	if err := checkRenewal(ctx, s, t, rep); err != nil {
		return err
	}
	if o.readOnly {
		for _, id := range []string{"save", "no-token", "cleanup"} {
			rep.add(check{ID: id, Status: statusSkipped, Summary: "--read-only: nothing written"})
		}
		return nil
	}
	return checkSaves(ctx, s, t, o, rep)
}

// open loads the page the user named, logging in on the way, and says how
// it got in.
func open(ctx context.Context, s *session, o options) (reply, string, error) {
	start := *o.target
	if o.token != "" {
		q := start.Query()
		q.Set("token", o.token)
		start.RawQuery = q.Encode()
	}
	r, err := s.do(ctx, "GET", start.String(), nil, nil)
	if err != nil {
		return r, "", err
	}
	if !isLogin(r.final) {
		if o.token != "" {
			return r, "logged in with the token", nil
		}
		return r, "no login needed", nil
	}
	switch {
	case o.token != "":
		return r, "", fatalf("wrong token: the server answered with its login page (%s)", r.final.Path)
	case o.password == "":
		return r, "", fatalf("the server asks for a login (%s): pass --token or --password", r.final.Path)
	}
	hub := strings.Contains(r.final.Path, "/hub/login")
	form := url.Values{"password": {o.password}}
	if hub {
		if o.user == "" {
			return r, "", fatalf("JupyterHub asks who you are: pass --user")
		}
		form.Set("username", o.user)
	}
	token := formXSRF(r.body)
	if token == "" {
		if vals := s.xsrfCookies(r.final.String()); len(vals) > 0 {
			token = vals[0]
		}
	}
	if token != "" {
		form.Set("_xsrf", token)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {r.final.String()}}
	r2, err := s.do(ctx, "POST", r.final.String(), h, []byte(form.Encode()))
	if err != nil {
		return r2, "", err
	}
	if isLogin(r2.final) || r2.status >= 400 {
		if hub {
			return r2, "", fatalf("JupyterHub refused the login of %s (HTTP %d): wrong user or password", o.user, r2.status)
		}
		return r2, "", fatalf("wrong password: the server answered the login with HTTP %d at %s", r2.status, r2.final.Path)
	}
	if hub {
		return r2, fmt.Sprintf("logged in to JupyterHub as %s with the password", o.user), nil
	}
	return r2, "logged in with the password", nil
}

// identify names the server and its versions: from the page, <base>api,
// and the headers JupyterHub and tornado add.
func identify(ctx context.Context, s *session, t *target) *serverInfo {
	info := &serverInfo{BaseURL: t.base(), Versions: map[string]string{}}
	api := ""
	if r, err := s.do(ctx, "GET", t.origin+t.base()+"api", nil, nil); err == nil && r.status == 200 {
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(r.body, &v) == nil {
			api = v.Version
		}
	}
	s.mu.Lock()
	hubVersion, serverHeader := s.hubHeader, s.server
	s.mu.Unlock()
	var desc string
	switch t.page.flavor {
	case xsrf.Classic:
		if major(api) >= 5 {
			info.Kind, desc = "notebook6", "Notebook "+api+" (classic UI)"
			info.Versions["notebook"] = api
		} else {
			info.Kind, desc = "nbclassic", "jupyter_server "+orUnknown(api)+" with nbclassic (classic UI)"
			info.Versions["jupyter_server"] = api
		}
	default:
		info.Kind = "jupyterlab"
		name := "JupyterLab"
		if t.page.flavor == xsrf.Notebook7 {
			info.Kind, name = "notebook7", "Notebook"
		}
		desc = name + " " + orUnknown(t.page.appVersion) + " on jupyter_server " + orUnknown(api)
		info.Versions[info.Kind] = t.page.appVersion
		info.Versions["jupyter_server"] = api
	}
	if hubVersion != "" || t.page.hubPrefix != "" {
		info.Hub = true
		info.Versions["jupyterhub"] = hubVersion
		desc += ", behind JupyterHub " + orUnknown(hubVersion)
	}
	if v, ok := strings.CutPrefix(serverHeader, "TornadoServer/"); ok {
		info.Versions["tornado"] = v
		desc += ", tornado " + v
	}
	info.Description = desc
	for k, v := range info.Versions {
		if v == "" {
			delete(info.Versions, k)
		}
	}
	return info
}

func orUnknown(v string) string {
	if v == "" {
		return "(version unknown)"
	}
	return v
}

// major returns the major number of a version such as "6.4.12", or -1.
func major(v string) int {
	n, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return -1
	}
	return n
}

// pageSendsLast tells whether the server's own front end sends the last
// `_xsrf` of document.cookie (JupyterLab 4.6 and later, Notebook 7.6 and
// later) rather than the first (the classic UI, older Lab).
func pageSendsLast(p page) bool {
	if p.flavor == xsrf.Classic {
		return false
	}
	parts := strings.SplitN(p.appVersion, ".", 3)
	if len(parts) < 2 {
		return false
	}
	maj, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	if p.flavor == xsrf.Notebook7 {
		return maj > 7 || (maj == 7 && minor >= 6)
	}
	return maj > 4 || (maj == 4 && minor >= 6)
}

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

// checkCookie finds the server's own `_xsrf` (the last one it set that
// the browser sends with saves) and judges its path, expiry and flags.
func checkCookie(s *session, t *target, rep *report) {
	api := t.base() + "api/contents/"
	for _, sc := range s.xsrfSince(0) {
		u, err := url.Parse(sc.url)
		if err != nil || u.Scheme+"://"+u.Host != t.origin {
			continue
		}
		if covers(cookiePath(sc.cookie, sc.url), api) || strings.HasPrefix(u.Path, t.base()) {
			t.own = &sc
		}
	}
	if t.own == nil {
		rep.add(check{ID: "cookie", Status: statusProblem,
			Summary: "no page of the server set an _xsrf cookie, so the browser has no token to send with saves",
			Fix:     "load " + t.base() + "tree or " + t.base() + "lab once; if that does not set _xsrf, check the server's xsrf_cookies and xsrf_cookie_name settings"})
		return
	}
	own := t.own
	u, _ := url.Parse(own.url)
	rep.ok("cookie", "_xsrf set by %s %s", own.method, u.Path)

	p := cookiePath(own.cookie, own.url)
	switch {
	case !covers(p, api):
		rep.add(check{ID: "cookie-path", Status: statusProblem,
			Summary: fmt.Sprintf("path %s does not cover %s: the browser never sends it with saves", p, api),
			Fix:     fmt.Sprintf("set the cookie's path to the base URL: c.ServerApp.tornado_settings = {'xsrf_cookie_kwargs': {'path': '%s'}}", t.base())})
	case p != t.base():
		rep.add(check{ID: "cookie-path", Status: statusWarning,
			Summary: fmt.Sprintf("path %s is above the base URL %s: every Jupyter server on this host shares it, and another server's _xsrf there breaks saves here", p, t.base()),
			Fix:     fmt.Sprintf("run jupyter_server 1.12 or later (Notebook 6 always uses /), or set xsrf_cookie_kwargs {'path': '%s'}", t.base())})
	default:
		rep.ok("cookie-path", "path %s is the base URL", p)
	}

	c := own.cookie
	switch {
	case c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())):
		rep.add(check{ID: "cookie-expiry", Status: statusProblem,
			Summary: "the server set it already expired", Fix: "check the server's clock and xsrf_cookie_kwargs (expires, max_age)"})
	case c.MaxAge == 0 && c.Expires.IsZero():
		rep.ok("cookie-expiry", "a session cookie: it lasts until the browser closes")
	default:
		left := time.Until(c.Expires)
		if c.MaxAge > 0 {
			left = time.Duration(c.MaxAge) * time.Second
		}
		if left < 24*time.Hour {
			rep.add(check{ID: "cookie-expiry", Status: statusWarning,
				Summary: fmt.Sprintf("it expires in %s: after that saves fail until a page of the server is loaded again", left.Round(time.Minute)),
				Fix:     "give it a longer life in xsrf_cookie_kwargs (expires_days), or let SaveKeeper renew it"})
		} else {
			rep.ok("cookie-expiry", "it expires in %d days", int(math.Round(left.Hours()/24)))
		}
	}

	switch why := dropped(u, c); {
	case why != "":
		fix := "remove samesite from xsrf_cookie_kwargs, or serve Jupyter over https and add 'secure': True"
		if !c.Secure || c.SameSite != http.SameSiteNoneMode {
			fix = "serve Jupyter over https, or remove secure from xsrf_cookie_kwargs"
		}
		rep.add(check{ID: "cookie-flags", Status: statusProblem,
			Summary: fmt.Sprintf("%s: browsers drop such a cookie, so the page has no token to send", why), Fix: fix})
	case c.HttpOnly:
		rep.add(check{ID: "cookie-flags", Status: statusProblem,
			Summary: "HttpOnly: the page's scripts cannot read the token, so they cannot send X-XSRFToken",
			Fix:     "remove httponly from xsrf_cookie_kwargs"})
	case c.Secure && u.Scheme == "http":
		rep.add(check{ID: "cookie-flags", Status: statusWarning,
			Summary: "Secure on plain http: browsers keep it only because the host is local",
			Fix:     "serve Jupyter over https, or remove secure from xsrf_cookie_kwargs"})
	default:
		rep.ok("cookie-flags", "SameSite %s, %s, readable by the page's scripts", sameSite(c), map[bool]string{true: "Secure", false: "not Secure"}[c.Secure])
	}
}

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
	sent, read := vals[0], vals[len(vals)-1]
	if pageSendsLast(t.page) {
		sent = vals[len(vals)-1]
	}
	if t.info.Hub {
		rep.add(check{ID: "shadow", Status: statusWarning,
			Summary: fmt.Sprintf("%d _xsrf cookies reach the server; JupyterHub takes the first whose signature is valid", len(vals)),
			Fix:     "delete the _xsrf cookies on parent paths of " + t.base() + " in the browser"})
		return
	}
	if sent == read {
		rep.add(check{ID: "shadow", Status: statusWarning,
			Summary: fmt.Sprintf("%d _xsrf cookies reach the server; the page happens to send the one it reads", len(vals)),
			Fix:     "delete the _xsrf cookies on parent paths of " + t.base() + " in the browser"})
		return
	}
	rep.add(check{ID: "shadow", Status: statusProblem,
		Summary: fmt.Sprintf("%d _xsrf cookies reach the server: it reads the one on the shortest path, the page sends another, so saves fail with \"XSRF cookie does not match\"", len(vals)),
		Fix:     "delete the _xsrf cookie on the parent path (another Jupyter server on this host set it) for this host in the browser; give each server its own base URL"})
}

// checkRedirects looks for redirects that leave the base URL, as a proxy
// that does not pass the prefix makes them.
func checkRedirects(s *session, t *target, rep *report) {
	s.mu.Lock()
	hops := append([][2]string(nil), s.redirects...)
	s.mu.Unlock()
	for _, h := range hops {
		from, err1 := url.Parse(h[0])
		to, err2 := url.Parse(h[1])
		if err1 != nil || err2 != nil || to.Scheme+"://"+to.Host != t.origin || !strings.HasPrefix(from.Path, t.base()) {
			continue
		}
		if !strings.HasPrefix(to.Path, t.base()) && !isHubPath(to) {
			rep.add(check{ID: "redirects", Status: statusProblem,
				Summary: fmt.Sprintf("%s redirects to %s, outside the base URL %s: pages and the cookie's renewal land on the wrong server", from.Path, to.Path, t.base()),
				Fix:     "set the server's base_url to the prefix the proxy serves it under, or make the proxy rewrite Location headers"})
			return
		}
	}
	rep.ok("redirects", "%s followed, none left the base URL", plural(len(hops), "redirect"))
}

// checkRenewal forgets the server's `_xsrf` and loads the page SaveKeeper
// loads to get a new one. The old cookie comes back if that fails.
func checkRenewal(ctx context.Context, s *session, t *target, rep *report) error {
	if t.own == nil {
		rep.add(check{ID: "renewal", Status: statusSkipped, Summary: "no _xsrf cookie to renew"})
		return nil
	}
	renew, err := xsrf.RenewalFor(t.origin, t.base(), t.page.flavor, t.info.Hub)
	if err != nil {
		rep.add(check{ID: "renewal", Status: statusSkipped, Summary: err.Error()})
		return nil
	}
	own := *t.own.cookie
	ownURL, _ := url.Parse(t.own.url)
	gone := own
	gone.MaxAge, gone.Expires = -1, time.Time{}
	s.jar.SetCookies(ownURL, []*http.Cookie{&gone})
	n := s.xsrfCount()
	r, err := s.do(ctx, "GET", renew.URL, nil, nil)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	got := s.xsrfSince(n)
	page := strings.TrimPrefix(renew.URL, t.origin)
	switch {
	case err != nil:
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: "loading " + page + " failed: " + err.Error(), Fix: "check the server's log"})
	case isLogin(r.final):
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: "loading " + page + " asks for a login again: the login does not last without _xsrf",
			Fix: "check the login cookie's settings (cookie_options)"})
	case len(got) == 0 && len(s.xsrfCookies(t.apiURL("x"))) > 0:
		rep.ok("renewal", "loading %s set no new _xsrf: the server takes the other _xsrf that reaches it (see shadow)", page)
	case len(got) == 0 || len(s.xsrfCookies(t.apiURL("x"))) == 0:
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: fmt.Sprintf("loading %s (HTTP %d) does not set _xsrf again: a lost cookie stays lost", page, r.status),
			Fix: "make sure pages under the base URL render through Jupyter (a proxy that caches them strips Set-Cookie)"})
	default:
		t.own = &got[len(got)-1]
		rep.ok("renewal", "a lost _xsrf comes back by loading %s (as SaveKeeper does)", page)
		return nil
	}
	s.jar.SetCookies(ownURL, []*http.Cookie{&own})
	return nil
}

// checkSaves writes a scratch file with the token, then without it, and
// always removes it.
func checkSaves(ctx context.Context, s *session, t *target, o options, rep *report) (err error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "xsrfcheck-" + hex.EncodeToString(b[:]) + ".txt"
	file := t.apiURL(name)
	defer func() { cleanup(ctx, s, t, o, file, name, rep) }()

	body := []byte(`{"type":"file","format":"text","content":"Written by xsrfcheck to test saves; it removes it. Safe to delete."}`)
	vals := s.xsrfCookies(file)
	sent := ""
	if len(vals) > 0 {
		sent = vals[0]
		if pageSendsLast(t.page) {
			sent = vals[len(vals)-1]
		}
		if v, ok := xsrf.HeaderValue(sent); ok {
			sent = v
		}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Referer": {t.origin + t.base()}}
	if sent != "" {
		h.Set("X-XSRFToken", sent)
	}
	r, err := s.do(ctx, "PUT", file, h, body)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case err != nil:
		rep.add(check{ID: "save", Status: statusProblem, Summary: "a save got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
	case r.status == 200 || r.status == 201:
		rep.ok("save", "a save with X-XSRFToken from the cookie was accepted (HTTP %d)", r.status)
	default:
		rep.add(judgeRefusedSave(ctx, s, t, r, file, sent, vals, body))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	h.Del("X-XSRFToken")
	r, err = s.do(ctx, "PUT", file, h, body)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		rep.add(check{ID: "no-token", Status: statusProblem, Summary: "a save without the token got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
		return nil
	}
	f := xsrf.Classify(r.status, r.header.Get("Content-Type"), r.body)
	switch {
	case r.status >= 200 && r.status < 300:
		rep.add(check{ID: "no-token", Status: statusProblem,
			Summary: "a save without X-XSRFToken was accepted: the XSRF check is off (disable_check_xsrf), so any web page open in the browser can change your files",
			Fix:     "remove disable_check_xsrf = True from the server's configuration (c.ServerApp or c.NotebookApp)"})
	case f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing:
		rep.ok("no-token", "a save without it was refused, as it should be: %s", quote(f.Message))
	default:
		rep.add(check{ID: "no-token", Status: statusWarning,
			Summary: fmt.Sprintf("a save without the token was refused with HTTP %d %s, not with the XSRF message", r.status, quote(message(r))),
			Fix:     "none needed if saves work; the refusal came from something other than the XSRF check"})
	}
	return nil
}

// judgeRefusedSave says why the save that carried the token was refused.
func judgeRefusedSave(ctx context.Context, s *session, t *target, r reply, file, sent string, vals []string, body []byte) check {
	f := xsrf.Classify(r.status, r.header.Get("Content-Type"), r.body)
	said := fmt.Sprintf("HTTP %d %s", r.status, quote(message(r)))
	switch {
	case sent == "" && (f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing):
		return check{ID: "save", Status: statusProblem, Summary: "the save was refused (" + said + "): there is no _xsrf cookie to take the token from",
			Fix: "see the cookie checks above"}
	case f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing:
		// The header was sent but did not arrive: try the token in the URL.
		q := url.Values{"_xsrf": {sent}}
		h := http.Header{"Content-Type": {"application/json"}}
		r2, err := s.do(ctx, "PUT", file+"?"+q.Encode(), h, body)
		if err == nil && (r2.status == 200 || r2.status == 201) {
			return check{ID: "save", Status: statusProblem,
				Summary: "the save was refused (" + said + ") although it carried X-XSRFToken; with the token in the URL instead it was accepted: something between you and the server removes the X-XSRFToken header",
				Fix:     "make the proxy in front of Jupyter pass the X-XSRFToken request header through (and X-CSRFToken)"}
		}
		return check{ID: "save", Status: statusProblem, Summary: "the save was refused (" + said + ") although it carried X-XSRFToken",
			Fix: "make the proxy in front of Jupyter pass the X-XSRFToken request header and the Cookie header through"}
	case f.Kind == xsrf.Mismatch || f.Kind == xsrf.HubMismatch:
		if len(vals) > 1 {
			return check{ID: "save", Status: statusProblem, Summary: "the save was refused (" + said + "): the server compared the token with another _xsrf cookie (see shadow)",
				Fix: "delete the _xsrf cookie on the parent path in the browser"}
		}
		return check{ID: "save", Status: statusProblem, Summary: "the save was refused (" + said + "): the server did not get the cookie the token came from",
			Fix: "make the proxy in front of Jupyter pass the Cookie header through unchanged"}
	case f.Kind == xsrf.LoginRequired:
		return check{ID: "save", Status: statusProblem, Summary: "the save was refused as not logged in (" + said + ")",
			Fix: "check the login cookie's settings and any proxy that removes cookies"}
	case r.status == 404:
		return check{ID: "save", Status: statusProblem, Summary: "the save was refused with " + said + ": jupyter_server answers 404 to a request it takes for cross-origin",
			Fix: "make the proxy keep the Host header (or set c.ServerApp.allow_origin)"}
	}
	return check{ID: "save", Status: statusProblem, Summary: "the save was refused: " + said, Fix: "check the server's log"}
}

// message returns the "message" of a Jupyter JSON error body, or the
// start of the body.
func message(r reply) string {
	var v struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(r.body, &v) == nil && v.Message != "" {
		return v.Message
	}
	return strings.TrimSpace(string(r.body[:min(len(r.body), 80)]))
}

// cleanup removes the scratch file, even after an interruption: with the
// header, else with the token in the URL, else with the server's token.
func cleanup(ctx context.Context, s *session, t *target, o options, file, name string, rep *report) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*o.timeout)
	defer cancel()
	vals := s.xsrfCookies(file)
	var tries []http.Header
	var urls []string
	for _, v := range vals {
		tries, urls = append(tries, http.Header{"X-XSRFToken": {v}}), append(urls, file)
		tries, urls = append(tries, http.Header{}), append(urls, file+"?"+url.Values{"_xsrf": {v}}.Encode())
	}
	if o.token != "" {
		tries, urls = append(tries, http.Header{"Authorization": {"token " + o.token}}), append(urls, file)
	}
	last := "no token to send"
	for i, h := range tries {
		h.Set("Referer", t.origin+t.base())
		r, err := s.do(ctx, "DELETE", urls[i], h, nil)
		if err != nil {
			last = err.Error()
			continue
		}
		switch r.status {
		case 204, 200:
			rep.ok("cleanup", "scratch file %s removed", name)
			return
		case 404:
			rep.ok("cleanup", "no scratch file was left (%s was never written)", name)
			return
		}
		last = fmt.Sprintf("HTTP %d %s", r.status, quote(message(r)))
	}
	rep.add(check{ID: "cleanup", Status: statusProblem, Summary: fmt.Sprintf("could not remove the scratch file %s: %s", name, last),
		Fix: "delete " + name + " from the server's top folder by hand"})
}
