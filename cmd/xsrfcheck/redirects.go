// Redirects that leave the base URL: the redirects check, and the one that
// explains a first page that is not Jupyter's.

package main

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

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
