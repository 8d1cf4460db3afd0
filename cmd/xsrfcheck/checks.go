package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	if originOf(first.final) != originOf(o.target) {
		return fmt.Errorf("%s led to another site (%s): run xsrfcheck with a URL of that site", o.target, originOf(first.final))
	}
	pg, ok := parsePage(first.body)
	if !ok {
		if isHubPath(first.final) {
			return fmt.Errorf("JupyterHub did not open the user's server (ended at %s): start it from the hub's home page, then run xsrfcheck again", first.final.Path)
		}
		if hop := leftFolder(s, o.target); hop != "" {
			return fmt.Errorf("no Jupyter page at %s (HTTP %d), reached by a redirect that left the URL's folder (%s): a proxy that does not pass the base URL? Set the server's base_url to the prefix the proxy serves it under, or make the proxy rewrite Location headers", first.final.Path, first.status, hop)
		}
		return fmt.Errorf("no Jupyter page at %s (HTTP %d): not a Jupyter server, or not one of its pages", first.final.Path, first.status)
	}
	t := &target{origin: originOf(first.final), page: pg}
	// Other servers' cookies come after the server set its own, as when
	// another server on the host is opened later.
	for _, c := range o.parents {
		if !covers(c.Path, t.base()) || strings.TrimSuffix(c.Path, "/")+"/" == t.base() {
			return fmt.Errorf("--parent-xsrf: %s is not a parent path of the base URL %s", c.Path, t.base())
		}
		u, _ := url.Parse(t.origin + c.Path) // a clean absolute path: parentFlag checked it
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

// leftFolder returns the first redirect ("from → to") on the target's
// origin that left the folder of the target's path, or "".
func leftFolder(s *session, target *url.URL) string {
	folder := target.Path
	if !strings.HasSuffix(folder, "/") {
		folder = path.Dir(folder) + "/"
	}
	for _, h := range s.redirects {
		if originOf(h.to) == originOf(target) && strings.HasPrefix(h.from.Path, folder) &&
			!strings.HasPrefix(h.to.Path, folder) && !isHubPath(h.to) {
			return h.from.Path + " → " + h.to.Path
		}
	}
	return ""
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
	from := ""
	if o.tokenFrom != "" {
		from = " from " + o.tokenFrom
	}
	if !isLogin(r.final) {
		if o.token != "" {
			return r, "logged in with the token" + from, nil
		}
		return r, "no login needed", nil
	}
	switch {
	case originOf(r.final) != originOf(o.target):
		return r, "", fmt.Errorf("the login is on another site (%s): xsrfcheck sends a password only to the server's own login form; give the server's token (%s or --token)", r.final.Host, tokenEnv)
	case o.token != "":
		return r, "", fmt.Errorf("wrong token%s: the server answered with its login page (%s)", from, r.final.Path)
	case o.password == "":
		return r, "", fmt.Errorf("the server asks for a login (%s): pass --token or --password-stdin, or set %s", r.final.Path, tokenEnv)
	}
	hub := strings.Contains(r.final.Path, "/hub/login")
	form := url.Values{"password": {o.password}}
	if hub {
		if o.user == "" {
			return r, "", fmt.Errorf("JupyterHub asks who you are: pass --user")
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
	var off offOrigin
	if errors.As(err, &off) {
		return r2, "", fmt.Errorf("the login redirects to another site (%s), where xsrfcheck does not send the password: run it with a URL of that site, or give the server's token (%s or --token)", off.origin, tokenEnv)
	}
	if err != nil {
		return r2, "", err
	}
	if isLogin(r2.final) || r2.status >= 400 {
		if hub {
			return r2, "", fmt.Errorf("JupyterHub refused the login of %s (HTTP %d): wrong user or password", o.user, r2.status)
		}
		return r2, "", fmt.Errorf("wrong password: the server answered the login with HTTP %d at %s", r2.status, r2.final.Path)
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
	hubVersion, serverHeader := s.hubHeader, s.server
	var desc string
	switch t.page.flavor {
	case xsrf.Classic:
		if major, _ := version(api); major >= 5 {
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

// version returns the major and minor numbers of a version such as
// "6.4.12"; -1 for a number that is missing or not one.
func version(v string) (major, minor int) {
	parts := strings.SplitN(v, ".", 3)
	major, minor = -1, -1
	if n, err := strconv.Atoi(parts[0]); err == nil {
		major = n
	}
	if len(parts) > 1 {
		if n, err := strconv.Atoi(parts[1]); err == nil {
			minor = n
		}
	}
	return major, minor
}

// pageSendsLast tells whether the server's own front end sends the last
// `_xsrf` of document.cookie (JupyterLab 4.6 and later, Notebook 7.6 and
// later) rather than the first (the classic UI, older Lab).
func pageSendsLast(p page) bool {
	major, minor := version(p.appVersion)
	if minor < 0 {
		return false
	}
	switch p.flavor {
	case xsrf.Lab:
		return major > 4 || (major == 4 && minor >= 6)
	case xsrf.Notebook7:
		return major > 7 || (major == 7 && minor >= 6)
	}
	return false
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

// pageTokens returns the `_xsrf` values a page of the server can read
// (document.cookie: not HttpOnly, on a path that covers the page), in the
// order document.cookie lists them.
func (t *target) pageTokens(s *session) []string {
	var out []string
	for _, v := range s.xsrfCookies(t.origin + t.base() + "tree") {
		if t.own != nil && t.own.cookie.HttpOnly && v == t.own.cookie.Value {
			continue
		}
		out = append(out, v)
	}
	return out
}

// sentToken is the token the server's own front end puts in X-XSRFToken,
// or "" when it has none.
func (t *target) sentToken(s *session) string {
	vals := t.pageTokens(s)
	if len(vals) == 0 {
		return ""
	}
	v := vals[0]
	if pageSendsLast(t.page) {
		v = vals[len(vals)-1]
	}
	if h, ok := xsrf.HeaderValue(v); ok {
		return h
	}
	return ""
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

// checkRedirects looks for redirects from under the base URL that leave
// it, as a proxy that does not pass the prefix makes them, or that leave
// the server's origin (to http from https, say).
func checkRedirects(s *session, t *target, rep *report) {
	for _, h := range s.redirects {
		from, to := h.from, h.to
		if originOf(from) != t.origin || !strings.HasPrefix(from.Path, t.base()) {
			continue
		}
		switch {
		case originOf(to) != t.origin:
			rep.add(check{ID: "redirects", Status: statusProblem,
				Summary: fmt.Sprintf("%s redirects to %s, another origin: the browser's cookies for %s do not go there", from.Path, originOf(to), t.origin),
				Fix:     "make the proxy keep the scheme and host (X-Forwarded-Proto, X-Forwarded-Host), or set the server's base_url and trust_xheaders"})
			return
		case !strings.HasPrefix(to.Path, t.base()) && !isHubPath(to):
			rep.add(check{ID: "redirects", Status: statusProblem,
				Summary: fmt.Sprintf("%s redirects to %s, outside the base URL %s: pages and the cookie's renewal land on the wrong server", from.Path, to.Path, t.base()),
				Fix:     "set the server's base_url to the prefix the proxy serves it under, or make the proxy rewrite Location headers"})
			return
		}
	}
	rep.ok("redirects", "%s followed, none left the base URL", plural(len(s.redirects), "redirect"))
}

// checkRenewal forgets the server's `_xsrf` and loads the page SaveKeeper
// loads to get a new one. The old cookie comes back if that fails.
func checkRenewal(ctx context.Context, s *session, t *target, rep *report) error {
	if t.own == nil {
		rep.add(check{ID: "renewal", Status: statusSkipped, Summary: "no _xsrf cookie to renew"})
		return nil
	}
	ownURL, _ := url.Parse(t.own.url)
	if why := dropped(ownURL, t.own.cookie); why != "" {
		rep.add(check{ID: "renewal", Status: statusSkipped, Summary: "the browser drops the cookie the server sets (see cookie-flags)"})
		return nil
	}
	renew, err := xsrf.RenewalFor(t.origin, t.base(), t.page.flavor, t.info.Hub)
	if err != nil {
		rep.add(check{ID: "renewal", Status: statusSkipped, Summary: err.Error()})
		return nil
	}
	own := *t.own.cookie
	gone := own
	gone.MaxAge, gone.Expires = -1, time.Time{}
	s.jar.SetCookies(ownURL, []*http.Cookie{&gone})
	n := len(s.xsrfSet)
	r, err := s.do(ctx, "GET", renew.URL, nil, nil)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	got := len(s.xsrfSet) > n
	reaching := len(s.xsrfCookies(t.apiURL("x"))) > 0
	page := strings.TrimPrefix(renew.URL, t.origin)
	switch {
	case err != nil:
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: "loading " + page + " failed: " + err.Error(), Fix: "check the server's log"})
	case xsrf.IsLoginPage(r.final.String(), t.base()):
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: "loading " + page + " asks for a login again: the login does not last without _xsrf",
			Fix: "check the login cookie's settings (cookie_options)"})
	case !got && reaching:
		rep.ok("renewal", "loading %s set no new _xsrf: the server takes the other _xsrf that reaches it (see shadow)", page)
	case !got || !reaching:
		rep.add(check{ID: "renewal", Status: statusProblem, Summary: fmt.Sprintf("loading %s (HTTP %d) does not set _xsrf again: a lost cookie stays lost", page, r.status),
			Fix: "make sure pages under the base URL render through Jupyter (a proxy that caches them strips Set-Cookie)"})
	default:
		rep.ok("renewal", "a lost _xsrf comes back by loading %s (as SaveKeeper does)", page)
		return nil
	}
	s.jar.SetCookies(ownURL, []*http.Cookie{&own})
	return nil
}

// scratchBody is the scratch file's model; saved reports whether an answer
// to its PUT is the contents API's model of the file called name (and not
// a page some proxy or login put in its way).
const scratchBody = `{"type":"file","format":"text","content":"Written by xsrfcheck to test saves; it removes it. Safe to delete."}`

func saved(r reply, name string) bool {
	var m struct {
		Name string `json:"name"`
	}
	return (r.status == 200 || r.status == 201) && json.Unmarshal(r.body, &m) == nil && m.Name == name
}

// checkSaves writes a scratch file with the token, then without it, and
// always removes it.
func checkSaves(ctx context.Context, s *session, t *target, o options, rep *report) error {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "xsrfcheck-" + hex.EncodeToString(b[:]) + ".txt"
	file := t.apiURL(name)
	defer cleanup(ctx, s, t, o, file, name, rep)

	// As a browser's fetch from the page sends it.
	h := http.Header{"Content-Type": {"application/json"}, "Origin": {t.origin}, "Referer": {t.origin + t.base()}}
	sent := t.sentToken(s)
	if sent != "" {
		h.Set("X-XSRFToken", sent)
	}
	r, err := s.do(ctx, "PUT", file, h, []byte(scratchBody))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case err != nil:
		rep.add(check{ID: "save", Status: statusProblem, Summary: "a save got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
	case saved(r, name):
		rep.ok("save", "a save with X-XSRFToken from the cookie was accepted (HTTP %d)", r.status)
	default:
		rep.add(judgeRefusedSave(ctx, s, t, r, file, name, sent))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	h.Del("X-XSRFToken")
	r, err = s.do(ctx, "PUT", file, h, []byte(scratchBody))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		rep.add(check{ID: "no-token", Status: statusProblem, Summary: "a save without the token got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
		return nil
	}
	f := xsrf.Classify(r.status, r.header.Get("Content-Type"), r.body)
	switch {
	case saved(r, name):
		rep.add(check{ID: "no-token", Status: statusProblem,
			Summary: "a save without X-XSRFToken was accepted: the XSRF check is off (disable_check_xsrf), so any web page open in the browser can change your files",
			Fix:     "remove disable_check_xsrf = True from the server's configuration (c.ServerApp or c.NotebookApp)"})
	case f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing:
		rep.ok("no-token", "a save without it was refused, as it should be: %s", quote(f.Message))
	default:
		rep.add(check{ID: "no-token", Status: statusWarning,
			Summary: fmt.Sprintf("a save without the token was answered with HTTP %d %s, not with the XSRF check's refusal", r.status, quote(message(r))),
			Fix:     "none needed if saves work; something other than the XSRF check answered"})
	}
	return nil
}

// judgeRefusedSave says why the save that carried the page's token (sent,
// "" for none) was refused.
func judgeRefusedSave(ctx context.Context, s *session, t *target, r reply, file, name, sent string) check {
	f := xsrf.Classify(r.status, r.header.Get("Content-Type"), r.body)
	said := fmt.Sprintf("HTTP %d %s", r.status, quote(message(r)))
	refused := func(status, summary, fix string) check {
		return check{ID: "save", Status: status, Summary: "the save was refused (" + said + ")" + summary, Fix: fix}
	}
	switch {
	case sent == "" && (f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing):
		return refused(statusProblem, ": the page has no _xsrf cookie to take the token from", "see the cookie checks above")
	case f.Kind == xsrf.Missing || f.Kind == xsrf.HubMissing:
		// The header was sent but did not arrive: try the token in the URL.
		h := http.Header{"Content-Type": {"application/json"}, "Origin": {t.origin}}
		r2, err := s.do(ctx, "PUT", file+"?"+url.Values{"_xsrf": {sent}}.Encode(), h, []byte(scratchBody))
		if err == nil && saved(r2, name) {
			return refused(statusProblem, " although it carried X-XSRFToken; with the token in the URL instead it was accepted: something between you and the server removes the X-XSRFToken header",
				"make the proxy in front of Jupyter pass the X-XSRFToken request header through (and X-CSRFToken)")
		}
		return refused(statusProblem, " although it carried X-XSRFToken", "make the proxy in front of Jupyter pass the X-XSRFToken request header and the Cookie header through")
	case f.Kind == xsrf.Mismatch || f.Kind == xsrf.HubMismatch:
		if len(s.xsrfCookies(file)) > 1 {
			return refused(statusProblem, ": the server compared the token with another _xsrf cookie (see shadow)", "delete the _xsrf cookie on the parent path in the browser")
		}
		return refused(statusProblem, ": the server did not get the cookie the token came from", "make the proxy in front of Jupyter pass the Cookie header through unchanged")
	case f.Kind == xsrf.LoginRequired:
		return refused(statusProblem, " as not logged in", "check the login cookie's settings and any proxy that removes cookies")
	case r.status == 404:
		return refused(statusProblem, ": jupyter_server answers 404 to a request whose Origin does not match its Host",
			"make the proxy in front of Jupyter keep the Host header (nginx: proxy_set_header Host $host), or list the origin in c.ServerApp.allow_origin")
	case r.status >= 300 && r.status < 400:
		return refused(statusProblem, ": redirected to "+r.header.Get("Location")+" instead of being saved", "make the proxy pass the contents API (PUT "+t.base()+"api/contents/…) to Jupyter")
	}
	return refused(statusProblem, "", "check the server's log")
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

// cleanup removes the scratch file, even after an interruption: with each
// token in the header, then in the URL, then with the server's token, then
// with nothing (for a server whose XSRF check is off). Each try has its
// own timeout. A 204 is a removal; a 404 is checked with a GET.
func cleanup(ctx context.Context, s *session, t *target, o options, file, name string, rep *report) {
	ctx = context.WithoutCancel(ctx)
	type try struct {
		url    string
		header http.Header
	}
	var tries []try
	for _, v := range s.xsrfCookies(file) {
		if v, ok := xsrf.HeaderValue(v); ok {
			tries = append(tries, try{file, http.Header{"X-XSRFToken": {v}}},
				try{file + "?" + url.Values{"_xsrf": {v}}.Encode(), http.Header{}})
		}
	}
	if o.token != "" {
		tries = append(tries, try{file, http.Header{"Authorization": {"token " + o.token}}})
	}
	tries = append(tries, try{file, http.Header{}})
	last := ""
	for _, tr := range tries {
		tr.header.Set("Origin", t.origin)
		r, err := s.do(ctx, "DELETE", tr.url, tr.header, nil)
		if err != nil {
			last = err.Error()
			continue
		}
		switch r.status {
		case 204:
			rep.ok("cleanup", "scratch file %s removed", name)
			return
		case 404:
			if g, err := s.do(ctx, "GET", file+"?content=0", nil, nil); err == nil && g.status == 404 {
				rep.ok("cleanup", "no scratch file was left (%s was never written)", name)
				return
			}
		}
		last = fmt.Sprintf("HTTP %d %s", r.status, quote(message(r)))
	}
	rep.add(check{ID: "cleanup", Status: statusProblem, Summary: fmt.Sprintf("could not remove the scratch file %s: %s", name, last),
		Fix: "delete " + name + " from the server's top folder by hand"})
}
