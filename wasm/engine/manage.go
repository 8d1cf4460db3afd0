package engine

import (
	"context"
	"sort"
)

// What the settings page asks: every server the engine knows, with its kept
// saves, whether or not a tab of it is open, and forgetting one.
//
//	servers  options → engine  {}: every server and its kept saves
//	forget   options → engine  {url}: forget the server at url (origin and
//	                           base URL) and drop its kept saves

// The settings page's message types.
const (
	TypeServers = "servers"
	TypeForget  = "forget"
)

// ServerView is a server as the settings page lists it.
type ServerView struct {
	Origin   string       `json:"origin"`
	BaseURL  string       `json:"baseUrl"`
	Flavor   string       `json:"flavor"`
	Hub      bool         `json:"hub,omitempty"`
	LastSeen int64        `json:"lastSeen,omitempty"` // Unix milliseconds
	Rescues  []RescueView `json:"rescues,omitempty"`
}

// serverViews returns every server, those with kept saves first, then the
// most recently seen.
func (e *Engine) serverViews() []ServerView {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ServerView, 0, len(e.servers))
	for key, s := range e.servers {
		v := ServerView{Origin: s.Origin, BaseURL: s.BaseURL, Flavor: string(s.Flavor), Hub: s.Hub, Rescues: e.rescuesOf(key)}
		if !s.LastSeen.IsZero() {
			v.LastSeen = s.LastSeen.UnixMilli()
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if (len(out[i].Rescues) > 0) != (len(out[j].Rescues) > 0) {
			return len(out[i].Rescues) > 0
		}
		if out[i].LastSeen != out[j].LastSeen {
			return out[i].LastSeen > out[j].LastSeen
		}
		return out[i].Origin+out[i].BaseURL < out[j].Origin+out[j].BaseURL
	})
	return out
}

// forget drops the server whose origin and base URL make key, its kept
// saves (their bodies go once the books are stored) and its tabs.
func (e *Engine) forget(ctx context.Context, key string) Reply {
	var (
		refusal error
		drop    []string
	)
	err := e.update(ctx, func() bool {
		if _, ok := e.servers[key]; !ok {
			refusal = badf("no server %s", key)
			return false
		}
		if e.flights[key] != nil {
			refusal = badf("%s is renewing its token; try again in a moment", key)
			return false
		}
		for _, r := range e.book.Rescues {
			if r.Server == key {
				drop = append(drop, r.ID)
			}
		}
		for _, id := range drop {
			e.book.Remove(id)
			delete(e.grants, id)
		}
		e.forgetLocked(key)
		return true
	})
	if refusal != nil {
		return Reply{Error: refusal.Error()}
	}
	return Reply{Action: ActionOK, Drop: dropIfStored(err, drop)}
}
