package engine

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/savekeeper/savekeeper/wasm/rescue"
	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// CookieStore reads the browser's cookie store.
type CookieStore interface {
	// XSRFCookies returns every `_xsrf` cookie the browser would send
	// with a request to url, in any order.
	XSRFCookies(ctx context.Context, url string) ([]xsrf.Cookie, error)
	// Extend stores c again, for url's host, with the same value and
	// attributes and a new expiry.
	Extend(ctx context.Context, url string, c xsrf.Cookie, expires time.Time) error
}

// Navigator loads a page the way a user would, which is the only way to
// renew a JupyterHub 4.1+ cookie.
type Navigator interface {
	// Visit opens url in a new background tab, waits until it has loaded
	// or ctx ends, closes the tab whatever happened, and returns the URL
	// the tab ended at.
	Visit(ctx context.Context, url string) (finalURL string, err error)
}

// Store keeps the engine's small state across restarts of the background
// (Chrome stops an idle service worker after 30 seconds).
type Store interface {
	// Load returns what Save last stored, or nil when nothing was.
	Load(ctx context.Context) ([]byte, error)
	Save(ctx context.Context, state []byte) error
}

// RenewTimeout bounds how long the engine waits for a tab to report the
// renewal it was asked to make; waiting tabs give up after it.
const RenewTimeout = 20 * time.Second

// retryPause is how long after a renewal that produced no usable cookie
// the engine refuses to ask for another one, so that a server whose cookie
// cannot be stored is not hammered by every save. It doubles with each
// failed renewal in a row, up to maxRetryPause.
const retryPause = 10 * time.Second

// maxRetryPause caps the pause between failed renewals.
const maxRetryPause = 30 * time.Minute

// navBudget is how many background tabs the engine opens, for all servers
// together, within navWindow: a page cannot make it open tabs at will.
const (
	navBudget = 6
	navWindow = 10 * time.Minute
)

// maxTabs bounds the tab table; the oldest entries are dropped first.
const maxTabs = 512

// Engine decides what the page layer does with a refused request and keeps
// the status the popup shows. Its methods are safe for concurrent use. It
// never waits for the browser while it holds its lock: the state is stored
// once the lock is released (state.go), and what it knows of a server
// leaves the lock only as a copy.
type Engine struct {
	cookies CookieStore
	nav     Navigator
	store   Store
	now     func() time.Time
	random  func([]byte) error // fills leases; see SetRandom

	mu      sync.Mutex
	servers map[string]*server
	tabs    map[int]tabEntry
	flights map[string]*flight
	navs    []time.Time // when the last background tabs were opened
	// seq numbers the snapshots of the state (see state.go); storedSeq is
	// the newest one whose write ended, storedOK whether it was stored
	// (at the start, the store holds the state Restore read).
	seq       uint64
	storedSeq uint64
	storedOK  bool
	lastTend  time.Time
	hellos    map[string]*window // per server
	keeps     map[string]*window // per server
	tickets   map[string]ticket  // leaves to keep a save, by lease

	book     rescue.Book
	grants   map[string]grant // rescue id → the page writing it
	keepDays int              // 0: DefaultKeepDays

	// storing is held (one slot) by the write of the state under way,
	// which happens outside mu; lastTried is the newest snapshot written
	// or tried, lastErr how that ended (see persist). A channel, not a
	// mutex: a write waiting for another is durably blocked, as
	// testing/synctest needs.
	storing   chan struct{}
	lastTried uint64
	lastErr   error
}

// server is what the engine knows of one Jupyter server, keyed by origin
// and base URL.
type server struct {
	Origin      string      `json:"origin"`
	BaseURL     string      `json:"baseUrl"`
	Flavor      xsrf.Flavor `json:"flavor"`
	Hub         bool        `json:"hub,omitempty"`
	Renewals    int         `json:"renewals,omitempty"`
	LastRenewal time.Time   `json:"lastRenewal,omitzero"`
	Recovered   int         `json:"recovered,omitempty"`
	Failed      int         `json:"failed,omitempty"`
	Saves       int         `json:"saves,omitempty"`    // saves seen
	Kept        int         `json:"kept,omitempty"`     // saves kept as rescues
	Finished    int         `json:"finished,omitempty"` // rescues written later
	LastProblem string      `json:"lastProblem,omitempty"`
	LastSeen    time.Time   `json:"lastSeen,omitzero"` // the last hello

	// BadRenewal is when a renewal last ended without a token, BadInARow
	// how many failed since the last good one. They are stored, so that a
	// restarted service worker does not start the back-off again.
	BadRenewal time.Time `json:"badRenewal,omitzero"`
	BadInARow  int       `json:"badInARow,omitempty"`
}

func (s *server) key() string { return s.Origin + s.BaseURL }

// cookieURL is where the engine reads the server's cookies: a URL under its
// base URL, so that only cookies the browser sends to the whole server count.
func (s *server) cookieURL() string { return s.Origin + s.BaseURL + "api/contents" }

// tabEntry is the one document of a tab that said hello, and its server.
// Messages from any other document of the tab are refused: a navigation, a
// reload or a browser restart (which reuses tab ids) makes a new document.
type tabEntry struct {
	Server string    `json:"server"`
	Doc    string    `json:"doc"`
	Seen   time.Time `json:"seen"`
}

// flight is one renewal in progress for a server.
type flight struct {
	lease  string
	tab    int
	sent   string // the token of the refused request that started it
	done   chan struct{}
	token  string // set before done is closed, on success
	reason string // set before done is closed, on failure
}

// New returns an Engine that reads cookies from cookies, renews JupyterHub
// cookies by opening tabs with nav (nil: it gives up on them instead), and
// keeps its state in store. now is the clock; nil means time.Now.
func New(cookies CookieStore, nav Navigator, store Store, now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	return &Engine{cookies: cookies, nav: nav, store: store, now: now, random: seededRandom, storedOK: true, storing: make(chan struct{}, 1),
		servers: map[string]*server{}, tabs: map[int]tabEntry{}, flights: map[string]*flight{},
		grants: map[string]grant{}, hellos: map[string]*window{}, keeps: map[string]*window{}, tickets: map[string]ticket{}}
}

// Handle answers one raw message from sender. It never returns an error:
// a refused message gets a Reply with Error set.
func (e *Engine) Handle(ctx context.Context, sender Sender, raw []byte) []byte {
	r := e.handle(ctx, sender, raw)
	var kept int
	e.locked(func() { kept = e.book.Count("") })
	r.Kept = &kept
	out, _ := json.Marshal(r)
	return out
}

// Refusal is the answer to a message that could not be read at all.
func Refusal(err error) []byte {
	out, _ := json.Marshal(Reply{Error: err.Error()})
	return out
}

func (e *Engine) handle(ctx context.Context, sender Sender, raw []byte) Reply {
	m, err := DecodeMessage(raw, sender)
	if err != nil {
		return Reply{Error: err.Error()}
	}
	switch m.Type {
	case TypeStatus:
		st := e.Status(ctx, m.TabID, m.URL)
		return Reply{Status: &st}
	case TypeTend:
		if wait := e.tendDue(ctx); wait > 0 {
			return Reply{Action: ActionOK, RetryIn: max(wait.Milliseconds(), 1)}
		}
		e.Tend(ctx)
		return Reply{Action: ActionOK, Drop: e.expire(ctx)}
	case TypeDiscard:
		return e.discard(ctx, m.ID)
	case TypeSaveNow:
		return e.saveNow(ctx, m.ID)
	case TypeSettings:
		return e.setKeepDays(ctx, m.KeepDays)
	case TypeSweep:
		return Reply{Action: ActionOK, Drop: e.orphans(ctx, m.IDs)}
	case TypeServers:
		return Reply{Action: ActionOK, Servers: e.serverViews()}
	case TypeForget:
		return e.forget(ctx, m.URL)
	case TypeHello:
		srv, err := e.hello(ctx, sender, m)
		if err != nil {
			return Reply{Error: err.Error()}
		}
		if !e.writesBack(sender, srv) {
			return Reply{Action: ActionOK}
		}
		return e.due(srv, sender.TabID)
	}
	if m.Type == TypeRescue && m.Lease != "" {
		return e.addRescue(ctx, sender, m) // its ticket names the server
	}
	srv, err := e.serverOf(sender, m.URL)
	if err != nil {
		r := Reply{Error: err.Error(), SayHello: errors.Is(err, errNoHello)}
		if m.Type == TypeFailed || m.Type == TypeRenewed {
			r.Action, r.Reason = ActionGiveUp, ReasonUnknownServer
		}
		return r
	}
	switch m.Type {
	case TypeFailed:
		r := e.failed(ctx, sender, srv, m)
		r.Hub = e.isHub(srv.key())
		return r
	case TypeRenewed:
		return e.renewed(ctx, sender, srv, m)
	case TypeOutcome:
		e.outcome(ctx, srv, m)
		return Reply{Action: ActionOK}
	case TypeRescue:
		return e.addRescue(ctx, sender, m)
	case TypeMayKeep:
		return e.mayKeep(srv, m)
	}
	if !e.writesBack(sender, srv) { // due, check, body, finished
		return Reply{Action: ActionKeep, Reason: ReasonOpened, Error: badf("this window was opened by another page of a JupyterHub").Error()}
	}
	switch m.Type {
	case TypeDue:
		return e.due(srv, sender.TabID)
	case TypeCheck:
		return e.check(ctx, sender, srv, m)
	case TypeBody:
		if !e.mayRead(sender, srv, m.ID) {
			return Reply{Error: badf("rescue %s is not this page's to read", m.ID).Error()}
		}
		return Reply{Action: ActionOK}
	default: // TypeFinished
		return e.finished(ctx, sender, srv, m)
	}
}

// hello records that the sender's tab is a page of a Jupyter server, and
// returns a copy of the server.
func (e *Engine) hello(ctx context.Context, sender Sender, m Message) (server, error) {
	flavor, ok := xsrf.ParseFlavor(m.Flavor)
	if !ok {
		return server{}, badf("unknown flavor %q", m.Flavor)
	}
	base, err := xsrf.CleanBaseURL(m.BaseURL)
	if err != nil {
		return server{}, badf("%v", err)
	}
	origin, u, err := originOf(sender.URL)
	if err != nil {
		return server{}, err
	}
	// Both where the document is now and where it was loaded, before any
	// script of the page could move it (history.replaceState).
	_, loaded, err := originOf(sender.LoadURL)
	if err != nil || !underBase(u, base) || !underBase(loaded, base) {
		return server{}, badf("page is not under its base URL")
	}
	key := origin + base
	var srv server
	_ = e.update(ctx, func() bool {
		if t, ok := e.tabs[sender.TabID]; ok && t.Doc == sender.Document && t.Server != key {
			err = badf("this document said hello for another server already")
			return false
		}
		if !allowIn(e.hellos, key, e.now(), hellosPerMinute) {
			err = badf("too many pages of %s said hello in the last minute", key)
			return false
		}
		s, known := e.servers[key]
		if !known {
			if !e.makeRoom(origin) {
				err = badf("SaveKeeper knows too many servers of %s that are in use", origin)
				return false
			}
			s = &server{Origin: origin, BaseURL: base}
		}
		// A hub learned from a refusal stays one: classic pages cannot tell.
		s.Flavor, s.Hub, s.LastSeen = flavor, s.Hub || m.Hub, e.now()
		e.servers[key] = s
		if len(e.tabs) >= maxTabs {
			e.dropOldestTab()
		}
		e.tabs[sender.TabID] = tabEntry{Server: key, Doc: sender.Document, Seen: e.now()}
		srv = *s
		return true
	})
	return srv, err
}

func (e *Engine) dropOldestTab() {
	oldest, first := 0, true
	for id, t := range e.tabs {
		if first || t.Seen.Before(e.tabs[oldest].Seen) {
			oldest, first = id, false
		}
	}
	delete(e.tabs, oldest)
}

// writesBack tells whether the sender's page may take part in writing
// kept saves of srv back. Not a window another page of its origin opened,
// on a JupyterHub: one origin holds many users' servers there, and the
// opener, a page of another server perhaps, could change the window's
// built-ins before the page layer ran (browsers reuse the opener's first,
// blank window). Other pages of the server write the kept saves.
func (e *Engine) writesBack(sender Sender, srv server) bool {
	return !sender.Opened || !e.isHub(srv.key())
}

// isHub tells whether the server with key follows JupyterHub 4.1's rules,
// as the engine knows it now (a refusal may have taught it since a copy
// of the server was made).
func (e *Engine) isHub(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.servers[key]
	return s != nil && s.Hub
}

// errNoHello refuses a message from a document the engine does not know
// (it never said hello, or its server was forgotten): the reply asks the
// page to say hello again.
var errNoHello = badf("this document has not said hello")

// serverOf returns a copy of the server of the sender's tab, after
// checking that requestURL belongs to it: same origin as the sending page,
// path under the server's base URL. An empty requestURL is the server's
// base URL.
func (e *Engine) serverOf(sender Sender, requestURL string) (server, error) {
	var (
		s     server
		known bool
	)
	origin, u, err := originOf(sender.URL)
	e.locked(func() {
		t, ok := e.tabs[sender.TabID]
		live := e.servers[t.Server]
		if known = ok && live != nil && t.Doc == sender.Document; !known {
			return
		}
		if err == nil && origin == live.Origin && underBase(u, live.BaseURL) {
			live.LastSeen = e.now() // stored with the next change; the page is active
		}
		s = *live
	})
	if !known {
		return server{}, errNoHello
	}
	if err != nil || origin != s.Origin || !underBase(u, s.BaseURL) {
		return server{}, badf("sender is not a page of the server")
	}
	if requestURL == "" {
		return s, nil
	}
	ro, ru, err := originOf(requestURL)
	if err != nil || ro != s.Origin || !underBase(ru, s.BaseURL) {
		return server{}, badf("request is not for the sender's server")
	}
	return s, nil
}

// underBase tells whether u's path lies under base, comparing the path as
// it is sent (encoded) and decoded: the classic Notebook reports its base
// URL decoded. A path equal to base without its final "/" counts.
func underBase(u *url.URL, base string) bool {
	return strings.HasPrefix(u.EscapedPath()+"/", base) || strings.HasPrefix(u.Path+"/", base)
}

func (s *server) readRule() xsrf.ReadRule {
	if s.Hub {
		return xsrf.ReadFirstValid
	}
	return xsrf.ReadLast
}

// failed decides what to do with a refused request.
func (e *Engine) failed(ctx context.Context, sender Sender, srv server, m Message) Reply {
	f := xsrf.Classify(m.Status, m.ContentType, []byte(m.Body))
	switch f.Kind {
	case xsrf.NotXSRF:
		return giveUp(ReasonNotXSRF)
	case xsrf.LoginRequired:
		// JupyterHub 4.1+ answers a script's GET that fails its XSRF check
		// with a bare "Forbidden" too, so there it is treated as an XSRF
		// failure until a fresh cookie has not helped.
		if !srv.Hub {
			return e.loginLost(ctx, srv)
		}
	case xsrf.HubMissing, xsrf.HubMismatch:
		if !srv.Hub {
			e.learnHub(ctx, srv)
			srv.Hub = true
		}
	}
	// The cookies of the server's base URL, not of m.URL: a page may claim a
	// base above its own (on a hub, "/user/" from bob's page), and a request
	// URL under alice's server would then read alice's cookie.
	cookies, err := e.cookies.XSRFCookies(ctx, srv.cookieURL())
	if err != nil {
		e.problem(ctx, srv, ReasonCookiesBlocked)
		return giveUp(ReasonCookiesBlocked)
	}
	c, token, ok := xsrf.ServerReads(cookies, srv.readRule())
	switch {
	case ok && c.HTTPOnly:
		// The page could not read it, and neither can Jupyter's own
		// scripts: a page on another port of the host would get the
		// server's token (cookies ignore ports).
		e.problem(ctx, srv, ReasonHTTPOnly)
		return giveUp(ReasonHTTPOnly)
	case ok && token != m.SentToken:
		return Reply{Action: ActionRetry, Token: token}
	case ok && e.renewedSince(srv, m.SentAt):
		// The request went out before the server's last renewal landed,
		// and was refused for what that renewal replaced: on JupyterHub
		// the login's cookies are renewed while _xsrf may keep its value.
		// It is tried once more as it is, not renewed again.
		return Reply{Action: ActionRetry, Token: token}
	case ok && f.Kind == xsrf.LoginRequired && e.renewedRecently(srv):
		// A fresh cookie was sent and refused: the login is gone.
		return e.loginLost(ctx, srv)
	case ok && srv.Hub && e.renewedRecently(srv):
		// The token a navigation just left, sent after it and refused:
		// another one would leave the same.
		return giveUp(ReasonRecentFailure)
	case ok && f.Kind == xsrf.Mismatch:
		// The page sent the cookie tornado reads, and it still does not
		// match: a page load cannot replace a cookie tornado can decode.
		e.problem(ctx, srv, ReasonMismatch)
		return giveUp(ReasonMismatch)
	}
	return e.renew(ctx, sender, srv, m.SentToken)
}

// loginLost records and answers a refusal that only logging in can fix.
func (e *Engine) loginLost(ctx context.Context, srv server) Reply {
	e.problem(ctx, srv, ReasonLogin)
	return giveUp(ReasonLogin)
}

// renew makes the sender the one tab that renews the server's cookie, or
// waits for the tab that already does.
func (e *Engine) renew(ctx context.Context, sender Sender, srv server, sent string) Reply {
	key := srv.key()
	var (
		fl, other *flight
		plan      xsrf.Renewal
		reason    string // why there is no renewal
		spent     bool   // a background tab was taken from the budget
		snap      snapshot
	)
	e.locked(func() {
		if other = e.flights[key]; other != nil {
			return
		}
		s := e.servers[key]
		if s == nil { // forgotten since the refusal came in
			reason = ReasonRenewFailed
			return
		}
		srv = *s
		if !s.BadRenewal.IsZero() && e.now().Sub(s.BadRenewal) < backoff(retryPause, s.BadInARow) {
			reason = ReasonRecentFailure
			return
		}
		var err error
		if plan, err = xsrf.RenewalFor(s.Origin, s.BaseURL, s.Flavor, s.Hub); err != nil {
			reason = ReasonRenewFailed
			return
		}
		if plan.Navigate && e.nav == nil {
			reason = ReasonNeedsNavigate
			return
		}
		if plan.Navigate && !e.spendNavigation() {
			reason = ReasonRecentFailure
			return
		}
		if spent = plan.Navigate; spent {
			snap = e.snapshotLocked() // the spent budget outlives the service worker
		}
		lease, err := e.newLease()
		if err != nil {
			reason = ReasonRenewFailed
			return
		}
		fl = &flight{lease: lease, tab: sender.TabID, sent: sent, done: make(chan struct{})}
		e.flights[key] = fl
	})
	if spent {
		_ = e.persist(ctx, snap)
	}
	switch {
	case other != nil:
		return e.wait(ctx, other)
	case reason != "":
		return giveUp(reason)
	}
	time.AfterFunc(RenewTimeout, func() { e.land(context.Background(), key, fl, "", ReasonRenewTimeout) })
	if plan.Navigate {
		e.navigate(srv, fl, plan.URL)
		return e.wait(ctx, fl)
	}
	return Reply{Action: ActionRenew, RenewURL: plan.URL, Lease: fl.lease}
}

// backoff is the pause after the n-th failure in a row: first after the
// first one, doubling with each further one, up to maxRetryPause.
func backoff(first time.Duration, n int) time.Duration {
	p := first
	for i := 1; i < n && p < maxRetryPause; i++ {
		p *= 2
	}
	return min(p, maxRetryPause)
}

// spendNavigation takes one background tab from the budget, or reports
// false when it is spent; the caller holds e.mu.
func (e *Engine) spendNavigation() bool {
	now := e.now()
	kept := e.navs[:0]
	for _, t := range e.navs {
		if now.Sub(t) < navWindow {
			kept = append(kept, t)
		}
	}
	e.navs = kept
	if len(e.navs) >= navBudget {
		return false
	}
	e.navs = append(e.navs, now)
	return true
}

// navigate renews a JupyterHub cookie itself: it loads url in a
// background tab and lands fl with the cookie the visit left.
func (e *Engine) navigate(srv server, fl *flight, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), RenewTimeout)
	defer cancel()
	finalURL, err := e.nav.Visit(ctx, url)
	if err != nil {
		e.land(ctx, srv.key(), fl, "", ReasonRenewFailed)
		return
	}
	// JupyterHub signs _xsrf for the session: a visit that renewed an
	// expired login may leave it as it was, and ended on the server's own
	// page it has renewed what was refused; unless a renewal just before
	// did the same, when the token itself is what the hub refuses.
	e.landWithCookie(ctx, srv, fl, finalURL, finalURL != "" && !e.renewedRecently(srv))
}

// landWithCookie lands fl after a renewal that ended at finalURL: with the
// cookie the server now reads, or with the reason there is none. A renewal
// that ended outside the server (the hub's home, a spawn page) has failed,
// and so has one that left the very token that was refused, unless
// sameToken says that token is the renewed one.
func (e *Engine) landWithCookie(ctx context.Context, srv server, fl *flight, finalURL string, sameToken bool) {
	key := srv.key()
	if finalURL != "" && xsrf.IsLoginPage(finalURL, srv.BaseURL) {
		e.land(ctx, key, fl, "", ReasonLogin)
		return
	}
	if finalURL != "" {
		if o, u, err := originOf(finalURL); err != nil || o != srv.Origin || !underBase(u, srv.BaseURL) {
			e.land(ctx, key, fl, "", ReasonRenewFailed)
			return
		}
	}
	cookies, err := e.cookies.XSRFCookies(ctx, srv.cookieURL())
	c, token, ok := xsrf.ServerReads(cookies, srv.readRule())
	switch {
	case err == nil && ok && c.HTTPOnly:
		e.land(ctx, key, fl, "", ReasonHTTPOnly)
	case err == nil && ok && (token != fl.sent || sameToken):
		e.land(ctx, key, fl, token, "")
	default:
		e.land(ctx, key, fl, "", ReasonNoCookie)
	}
}

// wait blocks until fl lands or ctx ends.
func (e *Engine) wait(ctx context.Context, fl *flight) Reply {
	select {
	case <-fl.done:
		if fl.token != "" {
			return Reply{Action: ActionRetry, Token: fl.token}
		}
		return giveUp(fl.reason)
	case <-ctx.Done():
		return giveUp(ReasonRenewTimeout)
	}
}

// land ends the flight fl of the server with key once, with a token or a
// reason.
func (e *Engine) land(ctx context.Context, key string, fl *flight, token, reason string) {
	_ = e.update(ctx, func() bool {
		if e.flights[key] != fl {
			return false // landed already
		}
		delete(e.flights, key)
		fl.token, fl.reason = token, reason
		defer close(fl.done)
		s := e.servers[key]
		if s == nil {
			return false
		}
		if token != "" {
			s.Renewals++
			s.LastRenewal = e.now()
			s.BadRenewal, s.BadInARow = time.Time{}, 0
		} else {
			s.BadRenewal = e.now()
			s.BadInARow++
			s.LastProblem = reason
		}
		return true
	})
}

// renewed finishes the renewal the sender was asked to make.
func (e *Engine) renewed(ctx context.Context, sender Sender, srv server, m Message) Reply {
	var fl *flight
	e.locked(func() { fl = e.flights[srv.key()] })
	if fl == nil || fl.lease != m.Lease || fl.tab != sender.TabID {
		return giveUp(ReasonRenewFailed)
	}
	if m.Status == 0 {
		e.land(ctx, srv.key(), fl, "", ReasonRenewFailed)
	} else {
		e.landWithCookie(ctx, srv, fl, m.FinalURL, false)
	}
	return e.wait(ctx, fl)
}

// outcome counts how a request the page layer handled ended.
func (e *Engine) outcome(ctx context.Context, srv server, m Message) {
	e.updateServer(ctx, srv, func(s *server) bool {
		if _, save := rescue.ContentsPath(m.URL, s.BaseURL); save && m.Method == "PUT" {
			s.Saves++
		}
		switch {
		case m.OK && m.Recovered:
			s.Recovered++
			s.LastProblem = ""
		case !m.OK:
			s.Failed++
		}
		return true
	})
}

// renewedRecently tells whether the server's cookie was renewed less than
// retryPause ago, so that a refusal now is not the cookie's fault.
func (e *Engine) renewedRecently(srv server) bool {
	last := e.lastRenewal(srv)
	return !last.IsZero() && e.now().Sub(last) < retryPause
}

// renewedSince tells whether the server's last renewal landed after
// sentAt (ms since the epoch, the page's clock: the same machine's), when
// a refused request was sent; false when the page did not say.
func (e *Engine) renewedSince(srv server, sentAt int64) bool {
	last := e.lastRenewal(srv)
	return sentAt > 0 && !last.IsZero() && last.UnixMilli() > sentAt
}

// lastRenewal returns when the server's cookie was last renewed; zero
// when never (or the server is forgotten).
func (e *Engine) lastRenewal(srv server) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.servers[srv.key()]; s != nil {
		return s.LastRenewal
	}
	return time.Time{}
}

// learnHub records that a server follows JupyterHub 4.1's rules, which
// its refusals show ("… missing from PUT") even where its pages do not
// (the classic UI has no page config).
func (e *Engine) learnHub(ctx context.Context, srv server) {
	e.updateServer(ctx, srv, func(s *server) bool {
		s.Hub = true
		return true
	})
}

// problem records the last problem seen on a server.
func (e *Engine) problem(ctx context.Context, srv server, reason string) {
	e.updateServer(ctx, srv, func(s *server) bool {
		s.LastProblem = reason
		return true
	})
}

// updateServer applies change to what the engine knows of srv, under its
// lock, and stores the state when change reports a change; it does nothing
// when the server has been forgotten meanwhile.
func (e *Engine) updateServer(ctx context.Context, srv server, change func(s *server) bool) {
	_ = e.update(ctx, func() bool {
		s := e.servers[srv.key()]
		return s != nil && change(s)
	})
}

func giveUp(reason string) Reply { return Reply{Action: ActionGiveUp, Reason: reason} }

// SetRandom makes the engine take the random bytes of its leases from read,
// a cryptographic source: the extension passes the browser's
// crypto.getRandomValues. (crypto/rand would add 170 KB to the engine.)
// Call it before the first message.
func (e *Engine) SetRandom(read func([]byte) error) { e.random = read }

// seededRandom is the source of leases until SetRandom: math/rand/v2's
// generator, which the runtime seeds from the system's randomness.
func seededRandom(b []byte) error {
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return nil
}

// newLease returns an unguessable name for one renewal.
func (e *Engine) newLease() (string, error) {
	var b [12]byte
	if err := e.random(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
