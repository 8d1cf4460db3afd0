// The save checks (save, no-token, cleanup): a scratch file written with
// the page's token and without it, why a save was refused, and the
// removal of the scratch file whatever happened.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// scratchBody is the scratch file's model, as the save checks PUT it.
const scratchBody = `{"type":"file","format":"text","content":"Written by xsrfcheck to test saves; it removes it. Safe to delete."}`

// saved reports whether an answer to the scratch file's PUT is the contents
// API's model of the file called name (and not a page some proxy or login
// put in its way).
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
