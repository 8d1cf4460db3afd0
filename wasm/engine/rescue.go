package engine

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/savekeeper/savekeeper/wasm/rescue"
)

// Rescue copies: a save that failed after SaveKeeper's recovery is kept.
// The background stores its body in IndexedDB under a fresh id and sends
// "rescue" on the page's behalf; the engine keeps the books (package
// rescue) and decides when and whether a page writes it back:
//
//	may-keep  background → engine {url, method, size}: may this page keep
//	                              a save of that size? Asked before the
//	                              body leaves the page
//	rescue    background → engine {id, url, status, reason, basedOn, size}
//	due       page → engine       which rescues of my server to try now
//	check     page → engine       {id, status, lastModified}: the file as
//	                              the server has it (status 200 or 404)
//	body      background → engine {id}: may this tab read the body?
//	finished  page → engine       {id, status, ok}: how the write ended
//	discard   popup → engine      {id}: the user threw the rescue away
//	save-now  popup → engine      {id}: write it whatever the server holds
//	settings  options → engine    {keepDays}: keep rescues that many days
//	                              (0: only tell how many)
//	sweep     background → engine {ids}: which of these stored bodies
//	                              belong to no rescue (a background stopped
//	                              between storing a body and recording it)

// DefaultKeepDays is how long rescues are kept unless the user says
// otherwise.
const DefaultKeepDays = 30

// maxRescuesPerServer and maxBytesPerServer bound what one server's pages
// can make the extension keep; rescues are per file, so only a page
// inventing paths reaches them. The bounds per origin and for all servers
// (bounds.go) hold whatever base URLs pages claim.
const (
	maxRescuesPerServer = 100
	maxBytesPerServer   = 1 << 30
)

// grantTime is how long a page that was told to write a rescue holds it
// before another page may try.
const grantTime = 2 * time.Minute

// firstRetry is the pause after a failed write of a rescue; it doubles
// with each failure, up to maxRetryPause (see backoff).
const firstRetry = 30 * time.Second

// RescueView is a rescue as pages and the popup see it. Times are Unix
// milliseconds.
type RescueView struct {
	ID      string `json:"id"`
	Path    string `json:"path"`
	URL     string `json:"url"`
	Taken   int64  `json:"taken"`
	BasedOn int64  `json:"basedOn,omitempty"`
	Size    int64  `json:"size"`
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Force   bool   `json:"force,omitempty"`
	Tries   int    `json:"tries,omitempty"`
}

// grant is a page's hold on a rescue it was told to write.
type grant struct {
	tab   int
	until time.Time
}

func view(r rescue.Rescue) RescueView {
	v := RescueView{ID: r.ID, Path: r.Path, URL: contentsURL(r.Server, r.Path), Taken: r.Taken.UnixMilli(),
		Size: r.Size, State: string(r.State), Reason: r.Reason, Force: r.Force, Tries: r.Tries}
	if !r.BasedOn.IsZero() {
		v.BasedOn = r.BasedOn.UnixMilli()
	}
	return v
}

// contentsURL is the contents API URL of path on server (origin + base).
func contentsURL(server, path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return server + "api/contents/" + strings.Join(parts, "/")
}

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// keptReason names why a save was kept, from the status it ended with and
// the reason the engine gave the page when it gave up.
func keptReason(status int, reason string) string {
	switch {
	case reason == ReasonLogin:
		return ReasonLogin
	case status == 0:
		return ReasonUnreachable
	case status == statusServerStopped:
		return ReasonServerStopped
	case status >= 500:
		return ReasonServerError
	}
	return ReasonRefused
}

// ticket is the leave, given by may-keep, to keep a save of up to size
// bytes for server: it holds its share of the bounds until the save is
// recorded or the leave ends, and it names the server, so that a save
// whose page was reloaded while its body travelled is still recorded.
type ticket struct {
	server string
	size   int64
	until  time.Time
}

// mayKeep answers the background, before a page sends it the body of a
// save to keep: the same checks as addRescue, counting the saves on their
// way; a yes is a ticket (Lease) that reserves their share. It is limited
// per server, as each body costs the background a transfer and a store.
func (e *Engine) mayKeep(srv server, m Message) Reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.keepable(srv, m); err != nil {
		return Reply{Error: err.Error()}
	}
	if !allowIn(e.keeps, srv.key(), e.now(), keepsPerMinute) {
		return Reply{Error: badf("too many saves of %s kept in the last minute", srv.key()).Error()}
	}
	lease, err := e.newLease()
	if err != nil {
		return Reply{Error: err.Error()}
	}
	e.tickets[lease] = ticket{server: srv.key(), size: m.Size, until: e.now().Add(ticketTime)}
	return Reply{Action: ActionOK, Lease: lease}
}

// keepable returns the path of the file m saves, if srv's page may keep it:
// a save of a file with a path of sane length, within the bounds on what
// the server and all servers keep, counting the saves on their way
// (tickets). The caller holds e.mu.
func (e *Engine) keepable(srv server, m Message) (string, error) {
	path, ok := rescue.ContentsPath(m.URL, srv.BaseURL)
	if !ok || m.Method != "PUT" || len(path) > maxPath {
		return "", badf("not a save of a file")
	}
	now := e.now()
	for lease, t := range e.tickets {
		if now.After(t.until) {
			delete(e.tickets, lease)
		}
	}
	replaces := false // a newer save of a file takes its older one's place
	for _, r := range e.book.Rescues {
		replaces = replaces || (r.Server == srv.key() && r.Path == path)
	}
	count, bytes := e.kept(srv.key())
	allCount, allBytes := e.kept("")
	if replaces {
		count, allCount = count-1, allCount-1
	}
	if count >= maxRescuesPerServer || bytes+m.Size > maxBytesPerServer {
		return "", badf("too many rescues for %s", srv.key())
	}
	if allCount >= maxRescues || allBytes+m.Size > maxBytes {
		return "", badf("too many rescues")
	}
	return path, nil
}

// kept counts the rescues of server (all servers when it is empty) and
// the saves on their way to it, and their bytes; the caller holds e.mu.
func (e *Engine) kept(server string) (n int, bytes int64) {
	for _, r := range e.book.Rescues {
		if server == "" || r.Server == server {
			n++
			bytes += r.Size
		}
	}
	for _, t := range e.tickets {
		if server == "" || t.server == server {
			n++
			bytes += t.size
		}
	}
	return n, bytes
}

// addRescue records a kept save whose body the background has stored,
// for the server its ticket names (or, without one, the sender's). A
// rescue the engine could not store is refused: its body is dropped and
// the page learns that the save was not kept.
func (e *Engine) addRescue(ctx context.Context, sender Sender, m Message) Reply {
	refuse := func(err error) Reply { return Reply{Error: err.Error(), Drop: dropOf(m.ID)} }
	if m.ID == "" {
		return refuse(badf("not a save of a file"))
	}
	var srv server
	if m.Lease != "" {
		var (
			t  ticket
			ok bool
		)
		e.locked(func() {
			t, ok = e.tickets[m.Lease]
			delete(e.tickets, m.Lease) // its share goes back; the save itself is counted below
			if s := e.servers[t.server]; s != nil {
				srv = *s
			} else {
				ok = false
			}
		})
		if !ok || m.Size > t.size {
			return refuse(badf("no leave to keep this save"))
		}
	} else {
		var err error
		if srv, err = e.serverOf(sender, m.URL); err != nil {
			return refuse(err)
		}
	}
	var (
		refusal    *Reply
		r          rescue.Rescue
		superseded []rescue.Rescue
	)
	err := e.update(ctx, func() bool {
		if _, dup := e.book.Get(m.ID); dup {
			refusal = &Reply{Error: badf("rescue %s exists", m.ID).Error()}
			return false
		}
		path, err := e.keepable(srv, m)
		if err == nil && !keptStatus(m.Status) {
			err = badf("a save refused with %d is not kept", m.Status)
		}
		s := e.servers[srv.key()]
		if err == nil && s == nil {
			err = badf("the server was forgotten")
		}
		if err != nil {
			rr := refuse(err)
			refusal = &rr
			return false
		}
		r = rescue.Rescue{ID: m.ID, Server: srv.key(), Path: path, Taken: e.now(), BasedOn: fromMilli(m.BasedOn),
			Size: m.Size, Reason: keptReason(m.Status, m.Reason), State: rescue.Pending}
		superseded = e.book.Add(r)
		s.Kept++
		return true
	})
	if refusal != nil {
		return *refusal
	}
	if err != nil {
		// Taken back, and the books stored without it if the store can:
		// the rescues it replaced are kept again.
		_ = e.update(ctx, func() bool {
			e.book.Remove(r.ID)
			for _, old := range superseded {
				if old.ID != r.ID {
					e.book.Add(old)
				}
			}
			if s := e.servers[srv.key()]; s != nil {
				s.Kept--
			}
			return true
		})
		return refuse(badf("the save could not be stored: %v", err))
	}
	var drop []string
	e.locked(func() {
		for _, old := range superseded {
			drop = append(drop, old.ID)
			delete(e.grants, old.ID)
		}
	})
	return Reply{Action: ActionOK, Drop: drop}
}

// dropOf is the body to drop with a refused rescue: its own, if it has one.
func dropOf(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// statusServerStopped is JupyterHub's answer for a user's server that is
// not running (stopped, or culled while idle): 424 Failed Dependency.
const statusServerStopped = 424

// keptStatus tells whether a save that ended with status is one to keep:
// the server did not answer, refused it for the login or the token, is
// not running (JupyterHub's 424), or refused it for a while (408, 429,
// 5xx). Others are the save's own fault (400, 404, 409, 413, …): trying it
// again would not help.
func keptStatus(status int) bool {
	return status == 0 || status == 401 || status == 403 || status == 408 || status == statusServerStopped ||
		status == 429 || status >= 500
}

// due answers a page asking which rescues of srv it may try now: pending,
// past their next try, and not held by another page; and, in RetryIn, how
// long until the next pending one is due.
func (e *Engine) due(srv server, tab int) Reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	r := Reply{Action: ActionOK}
	for _, res := range e.book.Due(srv.key(), now) {
		if g, held := e.grants[res.ID]; held && g.tab != tab && now.Before(g.until) {
			continue
		}
		r.Rescues = append(r.Rescues, view(res))
	}
	for _, res := range e.book.Rescues {
		if wait := res.NextTry.Sub(now); res.Server == srv.key() && res.State == rescue.Pending && wait > 0 &&
			(r.RetryIn == 0 || wait.Milliseconds() < r.RetryIn) {
			r.RetryIn = max(wait.Milliseconds(), 1)
		}
	}
	return r
}

// rescueOf returns the rescue with id if it belongs to srv; the caller
// holds e.mu.
func (e *Engine) rescueOf(srv server, id string) (rescue.Rescue, bool) {
	r, ok := e.book.Get(id)
	return r, ok && r.Server == srv.key()
}

// check decides, from the file as the server has it now, whether the
// sender's page writes a rescue.
func (e *Engine) check(ctx context.Context, sender Sender, srv server, m Message) Reply {
	var reply Reply
	_ = e.update(ctx, func() bool {
		r, ok := e.rescueOf(srv, m.ID)
		switch {
		case !ok || r.State != rescue.Pending:
			reply = Reply{Action: ActionKeep, Reason: ReasonNoSuchRescue}
		case (m.Status != 200 && m.Status != 404) || (m.Status == 200 && m.LastModified == 0):
			// The server does not answer, or not yet for this user, or
			// not with the file's model.
			reply = Reply{Action: ActionWait}
		case rescue.Decide(r, fromMilli(m.LastModified), m.Status == 200) == rescue.Keep:
			e.book.Update(r.ID, func(r *rescue.Rescue) { r.State, r.Reason = rescue.Conflict, ReasonChanged })
			reply = Reply{Action: ActionKeep, Reason: ReasonChanged}
			return true
		default:
			if g, held := e.grants[r.ID]; held && g.tab != sender.TabID && e.now().Before(g.until) {
				reply = Reply{Action: ActionWait}
				break
			}
			e.grants[r.ID] = grant{tab: sender.TabID, until: e.now().Add(grantTime)}
			reply = Reply{Action: ActionWrite}
		}
		return false
	})
	return reply
}

// mayRead tells whether the sender's page holds the rescue, so that the
// background may hand it the body.
func (e *Engine) mayRead(sender Sender, srv server, id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, held := e.grants[id]
	_, ok := e.rescueOf(srv, id)
	return ok && held && g.tab == sender.TabID && e.now().Before(g.until)
}

// finished records how the write of a rescue ended: a landed save clears
// it; a failed one is tried again later.
func (e *Engine) finished(ctx context.Context, sender Sender, srv server, m Message) Reply {
	var refusal error
	err := e.update(ctx, func() bool {
		g, held := e.grants[m.ID]
		if _, ok := e.rescueOf(srv, m.ID); !ok || !held || g.tab != sender.TabID {
			refusal = badf("rescue %s is not this page's to write", m.ID)
			return false
		}
		delete(e.grants, m.ID)
		if !m.OK {
			now := e.now()
			e.book.Update(m.ID, func(r *rescue.Rescue) {
				r.Tries++
				r.Reason = keptReason(m.Status, m.Reason)
				r.NextTry = now.Add(backoff(firstRetry, r.Tries))
			})
			return true
		}
		e.book.Remove(m.ID)
		if s := e.servers[srv.key()]; s != nil {
			s.Finished++
			if s.LastProblem == ReasonLogin || s.LastProblem == ReasonUnreachable {
				s.LastProblem = ""
			}
		}
		return true
	})
	switch {
	case refusal != nil:
		return Reply{Error: refusal.Error()}
	case m.OK:
		return Reply{Action: ActionOK, Drop: dropIfStored(err, []string{m.ID})}
	}
	return Reply{Action: ActionOK}
}

// discard drops a rescue the user threw away.
func (e *Engine) discard(ctx context.Context, id string) Reply {
	found := false
	err := e.update(ctx, func() bool {
		if _, found = e.book.Remove(id); found {
			delete(e.grants, id)
		}
		return found
	})
	if !found {
		return Reply{Error: badf("no rescue %s", id).Error()}
	}
	return Reply{Action: ActionOK, Drop: dropIfStored(err, []string{id})}
}

// saveNow marks a rescue to be written at the next chance, over whatever
// the server holds: the user decided.
func (e *Engine) saveNow(ctx context.Context, id string) Reply {
	found := false
	_ = e.update(ctx, func() bool {
		found = e.book.Update(id, func(r *rescue.Rescue) {
			r.Force, r.State, r.NextTry = true, rescue.Pending, time.Time{}
		})
		if found {
			delete(e.grants, id)
		}
		return found
	})
	if !found {
		return Reply{Error: badf("no rescue %s", id).Error()}
	}
	return Reply{Action: ActionOK}
}

// setKeepDays changes how long rescues are kept and drops the ones now
// too old; days 0 only reads the setting.
func (e *Engine) setKeepDays(ctx context.Context, days int) Reply {
	if days == 0 {
		e.mu.Lock()
		defer e.mu.Unlock()
		return Reply{Action: ActionOK, KeepDays: e.keepDaysLocked()}
	}
	if days < 1 || days > 3650 {
		return Reply{Error: badf("keep rescues 1 to 3650 days, not %d", days).Error()}
	}
	_ = e.update(ctx, func() bool {
		e.keepDays = days
		return true
	})
	return Reply{Action: ActionOK, KeepDays: days, Drop: e.expire(ctx)}
}

// expire drops the rescues older than the user keeps them and returns
// their ids, once the books without them are stored.
func (e *Engine) expire(ctx context.Context) []string {
	var drop []string
	err := e.update(ctx, func() bool {
		for _, r := range e.book.Expire(e.now(), time.Duration(e.keepDaysLocked())*24*time.Hour) {
			drop = append(drop, r.ID)
			delete(e.grants, r.ID)
		}
		return drop != nil
	})
	return dropIfStored(err, drop)
}

func (e *Engine) keepDaysLocked() int {
	if e.keepDays == 0 {
		return DefaultKeepDays
	}
	return e.keepDays
}

// rescuesOf returns the views of every rescue of server, oldest first;
// the caller holds e.mu.
func (e *Engine) rescuesOf(server string) []RescueView {
	var out []RescueView
	for _, r := range e.book.Rescues {
		if r.Server == server {
			out = append(out, view(r))
		}
	}
	return out
}

// orphans returns the ids that name no rescue, in the engine's books and
// in the stored ones: none while the books cannot be stored.
func (e *Engine) orphans(ctx context.Context, ids []string) []string {
	var (
		out    []string
		synced bool
		snap   snapshot
	)
	e.locked(func() {
		for _, id := range ids {
			if _, ok := e.book.Get(id); !ok {
				out = append(out, id)
			}
		}
		if synced = e.storedOK && e.storedSeq == e.seq; !synced && out != nil {
			snap = e.snapshotLocked() // a change may be on its way to the store
		}
	})
	if synced || out == nil {
		return out
	}
	return dropIfStored(e.persist(ctx, snap), out)
}
