package engine

import (
	"context"
	"time"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// RenewAhead is how long before its expiry the engine extends an `_xsrf`
// cookie. The background calls Tend at least every half hour, so a day
// leaves room for a sleeping laptop.
const RenewAhead = 24 * time.Hour

// CookieLifetime is the expiry an extended cookie gets: tornado's own 30
// days for the cookie of a logged-in user.
const CookieLifetime = 30 * 24 * time.Hour

// Tend extends the `_xsrf` cookie of every known server whose cookie
// expires within RenewAhead, and returns how many it extended.
//
// Tornado sets `_xsrf` only when a request carries none, and never
// extends it, so after 30 days the cookie vanishes in the middle of the
// user's work. Its check is double-submit only: the value stays valid as
// long as the cookie exists, so keeping the value and moving the expiry
// is a renewal that no request can race. JupyterHub ≥ 4.1 signs its
// tokens with a time stamp (31 days); its cookies are left to the
// navigation renewal.
func (e *Engine) Tend(ctx context.Context) int {
	var servers []server
	e.locked(func() {
		for _, s := range e.servers {
			if !s.Hub {
				servers = append(servers, *s)
			}
		}
	})
	now := e.now()
	extended := 0
	for _, s := range servers {
		url := s.Origin + s.BaseURL
		cookies, err := e.cookies.XSRFCookies(ctx, url)
		if err != nil {
			continue
		}
		c, _, ok := xsrf.ServerReads(cookies, s.readRule())
		if !ok || c.Expires.IsZero() || c.Expires.Sub(now) >= RenewAhead {
			continue
		}
		if e.cookies.Extend(ctx, url, c, now.Add(CookieLifetime)) == nil {
			extended++
		}
	}
	return extended
}
