// The token the page sends: which `_xsrf` values the server's own front
// end can read, and which of them it puts in X-XSRFToken.

package main

import (
	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

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
