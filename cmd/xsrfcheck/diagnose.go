// The run: the server under test (target) and diagnose, which opens it,
// names it and runs the checks, in the order the report lists them.

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// target is the server under test, once its page was read.
type target struct {
	origin string // scheme://host
	page   page
	info   *serverInfo
	own    *setCookie // the server's own _xsrf, as it set it
}

// base is the server's base URL, as its page gives it: "/" or "/user/alice/".
func (t *target) base() string { return t.page.baseURL }

// apiURL is a URL of the contents API, where saves go.
func (t *target) apiURL(name string) string { return t.origin + t.base() + "api/contents/" + name }

// diagnose runs every check into rep. It returns an error only when the
// run cannot go on: bad input, no answer (a noAnswer), no Jupyter server,
// no login, interruption.
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
		switch first.status {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return noAnswer{fmt.Errorf("a proxy answered HTTP %d at %s: it is there, but Jupyter behind it does not answer", first.status, first.final.Path)}
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
		for _, id := range []string{"save", "no-token"} {
			rep.add(check{ID: id, Status: statusSkipped, Summary: "--read-only: no save sent"})
		}
		return nil
	}
	return checkSaves(ctx, s, t, rep)
}
