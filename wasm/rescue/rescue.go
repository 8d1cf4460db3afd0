package rescue

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// State is where a rescue stands.
type State string

// The states of a rescue.
const (
	// Pending rescues wait for the server to take them.
	Pending State = "pending"
	// Conflict rescues were not written because the file changed on the
	// server after the edit's version; only the user can decide.
	Conflict State = "conflict"
)

// Rescue describes one kept save.
type Rescue struct {
	ID string `json:"id"`
	// Server is the Jupyter server's origin and base URL.
	Server string `json:"server"`
	// Path is the file's path in the contents API, decoded ("dir/a.ipynb").
	Path string `json:"path"`
	// Taken is when the failed save was made.
	Taken time.Time `json:"taken"`
	// BasedOn is the server's last_modified of the version the edit was
	// made on, zero when the page never saw it.
	BasedOn time.Time `json:"basedOn,omitzero"`
	Size    int64     `json:"size"`
	// Reason is why the save failed (the engine's reason words).
	Reason string `json:"reason,omitempty"`
	State  State  `json:"state"`
	// Force is set when the user asked to save this rescue whatever the
	// file on the server holds now.
	Force bool `json:"force,omitempty"`
	// Tries counts the writes that failed since the rescue was taken;
	// NextTry is when the next may start.
	Tries   int       `json:"tries,omitempty"`
	NextTry time.Time `json:"nextTry,omitzero"`
}

// Book is the set of rescues the engine keeps. Its zero value is empty and
// ready to use; it is not safe for concurrent use.
type Book struct {
	Rescues []Rescue `json:"rescues"`
}

// Add records r as the newest rescue of its file. Older rescues of the same
// file are dropped from the book and returned, so that their bodies can be
// deleted: the newest body holds every edit the older ones did. An r older
// than a rescue already kept is itself returned, unrecorded.
func (b *Book) Add(r Rescue) (superseded []Rescue) {
	for _, old := range b.Rescues {
		if old.Server == r.Server && old.Path == r.Path && old.Taken.After(r.Taken) {
			return []Rescue{r}
		}
	}
	kept := b.Rescues[:0]
	for _, old := range b.Rescues {
		if old.Server == r.Server && old.Path == r.Path && !old.Taken.After(r.Taken) {
			superseded = append(superseded, old)
			continue
		}
		kept = append(kept, old)
	}
	b.Rescues = append(kept, r)
	return superseded
}

// Due returns the pending rescues of server whose next try may start at
// now, oldest first: the ones to try again when the server answers.
func (b *Book) Due(server string, now time.Time) []Rescue {
	var out []Rescue
	for _, r := range b.Rescues {
		if r.Server == server && r.State == Pending && !r.NextTry.After(now) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Taken.Before(out[j].Taken) })
	return out
}

// Get returns the rescue with id.
func (b *Book) Get(id string) (Rescue, bool) {
	for _, r := range b.Rescues {
		if r.ID == id {
			return r, true
		}
	}
	return Rescue{}, false
}

// Remove drops the rescue with id (written, or discarded by the user) and
// returns it.
func (b *Book) Remove(id string) (Rescue, bool) {
	for i, r := range b.Rescues {
		if r.ID == id {
			b.Rescues = append(b.Rescues[:i], b.Rescues[i+1:]...)
			return r, true
		}
	}
	return Rescue{}, false
}

// Update calls change on the rescue with id; it reports false when there
// is none.
func (b *Book) Update(id string, change func(*Rescue)) bool {
	for i := range b.Rescues {
		if b.Rescues[i].ID == id {
			change(&b.Rescues[i])
			return true
		}
	}
	return false
}

// Count returns how many rescues server has (all servers when server is
// empty).
func (b *Book) Count(server string) int {
	n := 0
	for _, r := range b.Rescues {
		if server == "" || r.Server == server {
			n++
		}
	}
	return n
}

// Expire drops the rescues taken more than keep before now and returns
// them.
func (b *Book) Expire(now time.Time, keep time.Duration) (expired []Rescue) {
	kept := b.Rescues[:0]
	for _, r := range b.Rescues {
		if now.Sub(r.Taken) > keep {
			expired = append(expired, r)
			continue
		}
		kept = append(kept, r)
	}
	b.Rescues = kept
	return expired
}

// Decision is what to do with a due rescue.
type Decision int

// The decisions.
const (
	// Write the rescue: the file is as the edit left it, or gone.
	Write Decision = iota
	// Keep it and tell the user: the file changed after the edit's version.
	Keep
)

// Decide says whether writing r over the file as the server has it now
// (last_modified current, or exists false when there is no such file) would
// lose someone else's work. Without a known base version, a file modified
// after the failed save counts as changed.
func Decide(r Rescue, current time.Time, exists bool) Decision {
	if !exists || r.Force {
		return Write // nothing to overwrite, or the user said so
	}
	base := r.BasedOn
	if base.IsZero() {
		base = r.Taken
	}
	if current.After(base) {
		return Keep
	}
	return Write
}

// ContentsPath returns the decoded file path a contents API URL names for
// a server with base URL base ("/user/alice/"), without the query (the
// cache-buster JupyterLab adds). It reports false for any other URL.
func ContentsPath(rawURL, base string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	prefix := base + "api/contents/"
	p, ok := strings.CutPrefix(u.Path, prefix)
	if !ok { // a base URL given as the browser sends it, encoded
		if p, ok = strings.CutPrefix(u.EscapedPath(), prefix); ok {
			p, err = url.PathUnescape(p)
			ok = err == nil
		}
	}
	if !ok || p == "" || strings.HasSuffix(p, "/checkpoints") || strings.Contains(p, "/checkpoints/") {
		return "", false
	}
	return p, true
}
