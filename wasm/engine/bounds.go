package engine

import (
	"context"
	"time"
)

// Bounds on what pages can make the engine hold. Together they keep the
// engine's stored state far below storage.local's 10 MB quota (Chrome),
// whatever pages send: see TestTheStateFitsTheStoreWhateverPagesSend.
const (
	// maxURL bounds a URL in a message, maxBaseURL a server's base URL and
	// maxPath a kept file's path, in bytes.
	maxURL     = 4096
	maxBaseURL = 512
	maxPath    = 1024

	// maxServers bounds the servers the engine remembers; servers with
	// nothing kept are forgotten first, least recently seen first.
	maxServers = 64

	// maxRescuesPerOrigin and maxBytesPerOrigin bound what the pages of
	// one origin can make the extension keep, whatever base URLs they
	// claim; maxRescues bounds all origins together.
	maxRescuesPerOrigin = 100
	maxBytesPerOrigin   = 1 << 30
	maxRescues          = 300

	// hellosPerMinute and keepsPerMinute bound how often one origin's
	// pages may say hello and keep a save: each costs a store of the
	// state, and a page can reload itself at will.
	hellosPerMinute = 120
	keepsPerMinute  = 30

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

// allowIn counts one event of origin in windows (creating its entry) and
// tells whether it is within limit; the caller holds e.mu. The maps are
// cleared when they grow past maxServers entries: a page gains nothing by
// it but one more minute's allowance for its own origin.
func allowIn(windows map[string]*window, origin string, now time.Time, limit int) bool {
	w := windows[origin]
	if w == nil {
		if len(windows) >= maxServers {
			clear(windows)
		}
		w = &window{}
		windows[origin] = w
	}
	return w.allow(now, limit)
}

// tendDue returns 0 when the cookie expiries may be looked at now (at most
// once per tendInterval, across service worker restarts), and records it;
// otherwise how long until they may.
func (e *Engine) tendDue(ctx context.Context) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if wait := tendInterval - now.Sub(e.lastTend); !e.lastTend.IsZero() && wait > 0 && !now.Before(e.lastTend) {
		return wait
	}
	e.lastTend = now
	_ = e.save(ctx)
	return 0
}
