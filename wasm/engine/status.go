package engine

import (
	"context"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// Status is what the popup shows for one tab. Times are Unix milliseconds,
// zero for never.
type Status struct {
	// Detected is false when the tab holds no Jupyter page the engine
	// knows; the other fields are then empty.
	Detected bool   `json:"detected"`
	Origin   string `json:"origin,omitempty"`
	BaseURL  string `json:"baseUrl,omitempty"`
	Flavor   string `json:"flavor,omitempty"`
	Hub      bool   `json:"hub,omitempty"`

	Token TokenStatus `json:"token"`

	Renewals       int    `json:"renewals"`
	LastRenewal    int64  `json:"lastRenewal"`
	SavesSeen      int    `json:"savesSeen"`
	SavesRecovered int    `json:"savesRecovered"`
	SavesFailed    int    `json:"savesFailed"`
	SavesKept      int    `json:"savesKept"`
	SavesFinished  int    `json:"savesFinished"`
	LastProblem    string `json:"lastProblem,omitempty"`

	// Rescues are the saves of this server that SaveKeeper keeps.
	Rescues []RescueView `json:"rescues,omitempty"`
}

// TokenStatus describes the `_xsrf` cookie the server reads.
type TokenStatus struct {
	Present bool   `json:"present"`
	Path    string `json:"path,omitempty"`
	// Expires is zero for a cookie that lasts the browser session.
	Expires int64 `json:"expires,omitempty"`
	// Count is how many `_xsrf` cookies the server's API receives; more
	// than one means one may shadow another.
	Count int `json:"count"`
	// Error is set when the cookie store could not be read.
	Error string `json:"error,omitempty"`
}

// Status returns the status of the server shown in tab. When pageURL is
// not empty it must be the tab's current address and lie under that
// server: a tab that has since left Jupyter is reported as not detected.
func (e *Engine) Status(ctx context.Context, tab int, pageURL string) Status {
	var (
		st Status
		s  server
	)
	e.locked(func() {
		t, ok := e.tabs[tab]
		live := e.servers[t.Server]
		if !ok || live == nil || (pageURL != "" && !live.shows(pageURL)) {
			return
		}
		s = *live
		st = Status{Detected: true, Origin: s.Origin, BaseURL: s.BaseURL, Flavor: string(s.Flavor), Hub: s.Hub,
			Renewals: s.Renewals, LastRenewal: unixMilli(s), SavesSeen: s.Saves, SavesRecovered: s.Recovered,
			SavesFailed: s.Failed, SavesKept: s.Kept, SavesFinished: s.Finished, LastProblem: s.LastProblem,
			Rescues: e.rescuesOf(s.key())}
	})
	if !st.Detected {
		return st
	}
	cookies, err := e.cookies.XSRFCookies(ctx, s.cookieURL())
	if err != nil {
		st.Token.Error = err.Error()
		return st
	}
	st.Token.Count = len(cookies)
	if c, _, ok := xsrf.ServerReads(cookies, s.readRule()); ok {
		st.Token.Present, st.Token.Path = true, c.Path
		if !c.Expires.IsZero() {
			st.Token.Expires = c.Expires.UnixMilli()
		}
	}
	return st
}

func unixMilli(s server) int64 {
	if s.LastRenewal.IsZero() {
		return 0
	}
	return s.LastRenewal.UnixMilli()
}

// shows tells whether pageURL is a page of s: same origin, path under its
// base URL (encoded or not, as underBase compares it).
func (s *server) shows(pageURL string) bool {
	origin, u, err := originOf(pageURL)
	return err == nil && origin == s.Origin && underBase(u, s.BaseURL)
}
