package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/savekeeper/savekeeper/wasm/rescue"
)

// The engine's state is stored after each change, outside its lock: a
// change takes a numbered snapshot of the state while it holds e.mu
// (snapshotLocked), releases the lock, then writes the snapshot (persist).
// Writes are ordered by their numbers, so the stored state never goes back
// to an earlier one: a snapshot older than one written already is not
// written at all, since the newer one holds its change too. Until the
// write of its change has ended well, nothing that deletes a rescue's
// body is answered: the background's sweep at its next start goes by the
// stored books, and would otherwise find a body no stored rescue names
// gone, or a kept body unnamed.

type savedState struct {
	Servers  []*server        `json:"servers"`
	Tabs     map[int]tabEntry `json:"tabs"`
	Book     rescue.Book      `json:"book"`
	KeepDays int              `json:"keepDays,omitempty"`
	// Navs are when the last background tabs were opened: the budget
	// outlives the service worker.
	Navs     []time.Time `json:"navs,omitempty"`
	LastTend time.Time   `json:"lastTend,omitzero"`
}

// Restore loads the state saved by an earlier run. A missing or unreadable
// state is not an error: the engine starts empty.
func (e *Engine) Restore(ctx context.Context) error {
	raw, err := e.store.Load(ctx)
	if err != nil || len(raw) == 0 {
		return err
	}
	var st savedState
	if json.Unmarshal(raw, &st) != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range st.Servers {
		if s != nil {
			e.servers[s.key()] = s
		}
	}
	for id, t := range st.Tabs {
		if _, ok := e.servers[t.Server]; ok {
			e.tabs[id] = t
		}
	}
	e.book, e.keepDays, e.navs, e.lastTend = st.Book, st.KeepDays, st.Navs, st.LastTend
	return nil
}

// snapshot is the engine's state at one moment, ready to be stored.
type snapshot struct {
	seq uint64
	raw []byte
	err error // the state could not be encoded
}

// snapshotLocked encodes the state and numbers it; the caller holds e.mu.
func (e *Engine) snapshotLocked() snapshot {
	st := savedState{Tabs: e.tabs, Book: e.book, KeepDays: e.keepDays, Navs: e.navs, LastTend: e.lastTend}
	for _, s := range e.servers {
		st.Servers = append(st.Servers, s)
	}
	e.seq++
	raw, err := json.Marshal(st)
	return snapshot{seq: e.seq, raw: raw, err: err}
}

// persist writes snap, unless a newer snapshot was written or tried
// already, and returns how the write that holds snap's change ended: nil
// when it, or a newer state, is stored. The caller does not hold e.mu. A
// failed store is not fatal (losing counters is better than failing a
// save); a caller that records a rescue or drops a body checks the error.
func (e *Engine) persist(ctx context.Context, snap snapshot) error {
	select {
	case e.storing <- struct{}{}:
		defer func() { <-e.storing }()
	case <-ctx.Done():
		return ctx.Err()
	}
	if snap.seq <= e.lastTried {
		return e.lastErr
	}
	err := snap.err
	if err == nil {
		err = e.store.Save(ctx, snap.raw)
	}
	e.lastTried, e.lastErr = snap.seq, err
	e.mu.Lock()
	e.storedSeq, e.storedOK = snap.seq, err == nil
	e.mu.Unlock()
	return err
}

// update runs change holding e.mu and, if it reports that it changed the
// state, stores the state once the lock is released. It returns the
// error of storing it, nil when nothing changed.
func (e *Engine) update(ctx context.Context, change func() bool) error {
	var snap snapshot
	changed := false
	e.locked(func() {
		if changed = change(); changed {
			snap = e.snapshotLocked()
		}
	})
	if !changed {
		return nil
	}
	return e.persist(ctx, snap)
}

// locked runs f holding e.mu; a panic in f releases it.
func (e *Engine) locked(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f()
}

// dropIfStored returns ids, the bodies of rescues the books no longer
// name, if the books without them were stored (stored is the error
// update returned for that change); nil otherwise.
func dropIfStored(stored error, ids []string) []string {
	if stored != nil {
		return nil
	}
	return ids
}
