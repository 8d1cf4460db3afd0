// The renewal check: a lost `_xsrf` comes back when the page SaveKeeper
// loads is loaded.

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

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
