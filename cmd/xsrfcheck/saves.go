// The save checks (save, no-token): a save with the page's token and one
// without it, and why a save was refused. They write nothing: what they
// save is the server's top folder, as a folder.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// topFolder is the model the save checks PUT to the contents API's top
// (<base>api/contents/): a folder where the server's top folder is. Jupyter
// takes it as a save of a folder that is there already: it answers 201
// with the folder's model and changes nothing. A save of a file would need
// a DELETE to remove it, and that DELETE makes the server create an
// .ipynb_checkpoints folder beside the file (it looks for the file's
// checkpoints there), which the contents API cannot remove: it refuses
// hidden paths, and deleting one makes it again. With the file in a folder
// of its own, deleting that folder makes one at the top instead.
const topFolder = `{"type":"directory"}`

// saved reports whether an answer to a save of topFolder is the contents
// API's model of the top folder (and not a page some proxy or login put in
// its way).
func saved(r reply) bool {
	var m struct {
		Type string `json:"type"`
		Path string `json:"path"`
	}
	return (r.status == 200 || r.status == 201) && json.Unmarshal(r.body, &m) == nil &&
		m.Type == "directory" && strings.Trim(m.Path, "/") == ""
}

// readOnly reports whether the model in a save's answer says it cannot be
// written ("writable": false), as for a root directory the server's user
// may not write to. A folder that is there already is "saved" all the
// same, so only this tells that saving a file would fail.
func readOnly(r reply) bool {
	var m struct {
		Writable *bool `json:"writable"`
	}
	return json.Unmarshal(r.body, &m) == nil && m.Writable != nil && !*m.Writable
}

// checkSaves saves topFolder with the token, then without it.
func checkSaves(ctx context.Context, s *session, t *target, rep *report) error {
	top := t.apiURL("")
	// As a browser's fetch from the page sends it.
	h := http.Header{"Content-Type": {"application/json"}, "Origin": {t.origin}, "Referer": {t.origin + t.base()}}
	sent := t.sentToken(s)
	if sent != "" {
		h.Set("X-XSRFToken", sent)
	}
	r, err := s.do(ctx, "PUT", top, h, []byte(topFolder))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case err != nil:
		rep.add(check{ID: "save", Status: statusProblem, Summary: "a save got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
	case saved(r) && readOnly(r):
		rep.add(check{ID: "save", Status: statusWarning,
			Summary: fmt.Sprintf("a save with X-XSRFToken from the cookie passed the XSRF check (HTTP %d), but the server says its top folder is not writable: saves of files there fail for that reason, not for the token", r.status),
			Fix:     "give the user Jupyter runs as write access to its root directory, or save in a folder that is writable"})
	case saved(r):
		rep.ok("save", "a save with X-XSRFToken from the cookie was accepted (HTTP %d)", r.status)
	default:
		rep.add(judgeRefusedSave(ctx, s, t, r, top, sent))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	h.Del("X-XSRFToken")
	r, err = s.do(ctx, "PUT", top, h, []byte(topFolder))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		rep.add(check{ID: "no-token", Status: statusProblem, Summary: "a save without the token got no answer: " + err.Error(), Fix: "check the server's log and any proxy in front of it"})
		return nil
	}
	f := xsrf.Classify(r.status, r.header.Get("Content-Type"), r.body)
	switch {
	case saved(r):
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

// judgeRefusedSave says why the save to top that carried the page's token
// (sent, "" for none) was refused.
func judgeRefusedSave(ctx context.Context, s *session, t *target, r reply, top, sent string) check {
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
		r2, err := s.do(ctx, "PUT", top+"?"+url.Values{"_xsrf": {sent}}.Encode(), h, []byte(topFolder))
		if err == nil && saved(r2) {
			return refused(statusProblem, " although it carried X-XSRFToken; with the token in the URL instead it was accepted: something between you and the server removes the X-XSRFToken header",
				"make the proxy in front of Jupyter pass the X-XSRFToken request header through (and X-CSRFToken)")
		}
		return refused(statusProblem, " although it carried X-XSRFToken", "make the proxy in front of Jupyter pass the X-XSRFToken request header and the Cookie header through")
	case f.Kind == xsrf.Mismatch || f.Kind == xsrf.HubMismatch:
		if len(s.xsrfCookies(top)) > 1 {
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
