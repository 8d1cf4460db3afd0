package engine

import (
	"context"
	"sort"
	"time"
)

// Bounds on what pages can make the engine hold. Together they keep the
// engine's stored state far below storage.local's 10 MB quota (Chrome),
// whatever pages send (TestTheStateFitsTheStoreWhateverPagesSend), and
// keep the pages of one server from making another's saves unkeepable.
const (
	// maxURL bounds a URL in a message, maxBaseURL a server's base URL and
	// maxPath a kept file's path, in bytes.
	maxURL     = 4096
	maxBaseURL = 512
	maxPath    = 1024

	// maxServers bounds the servers the engine knows, and
	// maxServersPerOrigin those of one origin (a page claiming base URLs
	// above its own, one per reload). To make room for a new one, servers
	// with nothing kept and no page active for activeFor are forgotten,
	// least recently active first; when none can go, the new server is
	// refused, never a server in use.
	maxServers          = 64
	maxServersPerOrigin = 8
	activeFor           = 10 * time.Minute

	// maxRescues and maxBytes bound all kept saves together (per server:
	// maxRescuesPerServer and maxBytesPerServer).
	maxRescues = 600
	maxBytes   = 4 << 30

	// hellosPerMinute and keepsPerMinute bound how often the pages of one
	// server may say hello and ask to keep a save: each costs a store of
	// the state (and a body's transfer), and a page can reload itself at
	// will. They count per server, so that one server's pages cannot use
	// up another's on the same origin.
	hellosPerMinute = 120
	keepsPerMinute  = 30

	// ticketTime is how long the leave to keep a save, given before its
	// body is sent, holds.
	ticketTime = 5 * time.Minute

	// maxStateBytes is what the stored state stays under.
	maxStateBytes = 4 << 20
)

// tendInterval is the least time between two looks at every server's
// cookie expiry: a page that sets cookies in a loop wakes "tend" each
// time. One asked for sooner is answered with how long to wait, and the
// background asks again then.
const tendInterval = 10 * time.Second

// TypeMayKeep asks, before a kept save's body is sent to the background,
// whether the page may keep it: {url, method, size}.
const TypeMayKeep = "may-keep"

// ReasonHTTPOnly is the reason given when the only token is an HttpOnly
// cookie, which the page could not read itself.
const ReasonHTTPOnly = "cookie-httponly"

// window counts events in a one-minute window.
type window struct {
	start time.Time
	n     int
}

// allow counts one more event at now and tells whether it is within limit
// for the current minute.
func (w *window) allow(now time.Time, limit int) bool {
	if now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		w.start, w.n = now, 0
	}
	w.n++
	return w.n <= limit
}

// allowIn counts one event of key in windows (creating its entry) and
// tells whether it is within limit; the caller holds e.mu. The map is
// cleared when it grows past maxServers entries: a page gains nothing by it
// but one more minute's allowance for its own server.
func allowIn(windows map[string]*window, key string, now time.Time, limit int) bool {
	w := windows[key]
	if w == nil {
		if len(windows) >= maxServers {
			clear(windows)
		}
		w = &window{}
		windows[key] = w
	}
	return w.allow(now, limit)
}

// makeRoom tells whether a new server of origin may be added, after
// forgetting idle servers (nothing kept, no renewal in flight, no page
// active for activeFor), least recently active first, until the origin has
// fewer than maxServersPerOrigin and all origins fewer than maxServers.
// The caller holds e.mu.
func (e *Engine) makeRoom(origin string) bool {
	now := e.now()
	var idle []*server
	ofOrigin := 0
	for key, s := range e.servers {
		if s.Origin == origin {
			ofOrigin++
		}
		if e.book.Count(key) == 0 && e.flights[key] == nil && now.Sub(s.LastSeen) >= activeFor {
			idle = append(idle, s)
		}
	}
	sort.Slice(idle, func(i, j int) bool { return idle[i].LastSeen.Before(idle[j].LastSeen) })
	total := len(e.servers)
	for _, s := range idle {
		if total < maxServers && ofOrigin < maxServersPerOrigin {
			break
		}
		if total < maxServers && s.Origin != origin {
			continue // only the origin is full: forget its own
		}
		e.forgetLocked(s.key())
		total--
		if s.Origin == origin {
			ofOrigin--
		}
	}
	return total < maxServers && ofOrigin < maxServersPerOrigin
}

// forgetLocked drops the server with key and its tabs; the caller holds
// e.mu and has dealt with its kept saves.
func (e *Engine) forgetLocked(key string) {
	delete(e.servers, key)
	for id, t := range e.tabs {
		if t.Server == key {
			delete(e.tabs, id)
		}
	}
}

// tendDue returns 0 when the cookie expiries may be looked at now (at most
// once per tendInterval, across service worker restarts), and records it;
// otherwise how long until they may.
func (e *Engine) tendDue(ctx context.Context) time.Duration {
	var wait time.Duration
	_ = e.update(ctx, func() bool {
		now := e.now()
		if wait = tendInterval - now.Sub(e.lastTend); !e.lastTend.IsZero() && wait > 0 && !now.Before(e.lastTend) {
			return false
		}
		wait, e.lastTend = 0, now
		return true
	})
	return wait
}
