package engine

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	for n, want := range map[int]time.Duration{0: retryPause, 1: retryPause, 2: 2 * retryPause, 3: 4 * retryPause, 40: maxRetryPause} {
		assert.Equal(t, want, backoff(retryPause, n), "after %d failures", n)
	}
	assert.Equal(t, 4*firstRetry, backoff(firstRetry, 3))
	assert.Equal(t, maxRetryPause, backoff(firstRetry, 1000))
}

// storedSaves is the number of saves the stored state counts for the
// server of tab1.
func storedSaves(t *testing.T, raw []byte) int {
	t.Helper()
	var st savedState
	require.NoError(t, json.Unmarshal(raw, &st))
	require.Len(t, st.Servers, 1)
	return st.Servers[0].Saves
}

// switchStore fails every Save while fail is set.
type switchStore struct {
	memStore
	fail bool
}

func (s *switchStore) Save(ctx context.Context, raw []byte) error {
	if s.fail {
		return errors.New("QUOTA_BYTES quota exceeded")
	}
	return s.memStore.Save(ctx, raw)
}

// TestAnEarlierStateNeverOverwritesALaterOne: the state is stored outside
// the engine's lock, so the writes of two changes may come in either
// order; the later state stays.
func TestAnEarlierStateNeverOverwritesALaterOne(t *testing.T) {
	ctx := context.Background()
	store := &switchStore{}
	e := New(&jar{}, nil, store, nil)
	send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	change := func(saves int) (snap snapshot) {
		e.locked(func() {
			e.servers[origin+"/"].Saves = saves
			snap = e.snapshotLocked()
		})
		return snap
	}

	first, second := change(1), change(2)
	require.NoError(t, e.persist(ctx, second))
	assert.NoError(t, e.persist(ctx, first), "its change is in the later state, which is stored")
	assert.Equal(t, 2, storedSaves(t, store.raw), "the earlier state was not written over the later one")

	store.fail = true
	first, second = change(3), change(4)
	assert.Error(t, e.persist(ctx, second))
	store.fail = false
	assert.Error(t, e.persist(ctx, first), "the write that held its change failed")
	assert.Equal(t, 2, storedSaves(t, store.raw))
}

// TestStoredStatesOnlyGoForward: many changes at once, with writes that
// take their time, leave the last state stored, and the store never
// holds a state older than one it held before.
func TestStoredStatesOnlyGoForward(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &slowStore{}
		e := New(&jar{}, nil, store, nil)
		send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
		const n = 50
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				send(t, e, tab1, Message{Type: TypeOutcome, URL: saveURL, Method: "PUT", OK: true})
			})
		}
		wg.Wait()
		var counts []int
		for _, raw := range store.writes[1:] { // after the hello
			counts = append(counts, storedSaves(t, raw))
		}
		assert.IsNonDecreasing(t, counts)
		assert.Equal(t, n, counts[len(counts)-1])
		assert.Equal(t, n, e.Status(context.Background(), 1, "").SavesSeen)
	})
}

// slowStore takes up to 5 ms (of a synctest bubble's time) for each Save
// and keeps every state it was given, in the order the writes ended.
type slowStore struct {
	mu     sync.Mutex
	writes [][]byte
}

func (s *slowStore) Load(context.Context) ([]byte, error) { return nil, nil }

func (s *slowStore) Save(_ context.Context, raw []byte) error {
	time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, append([]byte(nil), raw...))
	return nil
}

// gateStore holds each Save until the test lets it go.
type gateStore struct {
	memStore
	entered chan struct{}
	release chan struct{}
}

func (s *gateStore) Save(ctx context.Context, raw []byte) error {
	s.entered <- struct{}{}
	<-s.release
	return s.memStore.Save(ctx, raw)
}

// TestTheEngineAnswersWhileItsStateIsStored: storing the state (the
// browser's storage, which may be slow) does not hold the engine's lock.
func TestTheEngineAnswersWhileItsStateIsStored(t *testing.T) {
	store := &gateStore{entered: make(chan struct{}), release: make(chan struct{})}
	j := &jar{cookies: []xsrf.Cookie{{Value: "good", Path: "/"}}}
	e := New(j, nil, store, nil)
	go func() { <-store.entered; store.release <- struct{}{} }()
	send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})

	outcome := make(chan struct{})
	go func() {
		defer close(outcome)
		_ = e.Handle(context.Background(), tab1, []byte(`{"type":"outcome","url":"`+saveURL+`","method":"PUT","ok":true}`))
	}()
	<-store.entered // the outcome's state is being stored

	answered := make(chan Reply, 1)
	go func() {
		var r Reply
		_ = json.Unmarshal(e.Handle(context.Background(), tab1, []byte(`{"type":"failed","url":"`+saveURL+
			`","method":"PUT","status":403,"contentType":"application/json","body":"{\"message\": \"'_xsrf' argument missing from POST\"}"}`)), &r)
		answered <- r
	}()
	select {
	case r := <-answered:
		assert.Equal(t, ActionRetry, r.Action, r.Error)
		assert.Equal(t, "good", r.Token)
	case <-time.After(2 * time.Second):
		t.Fatal("the engine did not answer while its state was being stored")
	}
	assert.Equal(t, 1, e.Status(context.Background(), 1, "").SavesSeen, "the change is made before it is stored")
	store.release <- struct{}{}
	<-outcome
}

// TestAPanicLeavesTheEngineUnlocked: a panic while the engine holds its
// lock (here, in the source of leases) ends that message only; the
// bridge turns it into a rejected promise, and the next message is
// answered.
func TestAPanicLeavesTheEngineUnlocked(t *testing.T) {
	e := newEngine(t, &jar{})
	e.SetRandom(func([]byte) error { panic("no randomness") })
	func() {
		defer func() { assert.Equal(t, "no randomness", recover()) }()
		e.Handle(context.Background(), tab1, mustJSON(t, failedMsg(missing, "")))
	}()
	e.SetRandom(seededRandom)

	answered := make(chan Reply, 1)
	go func() {
		var r Reply
		_ = json.Unmarshal(e.Handle(context.Background(), tab1, mustJSON(t, failedMsg(missing, ""))), &r)
		answered <- r
	}()
	select {
	case r := <-answered:
		assert.Equal(t, ActionRenew, r.Action, r.Error)
	case <-time.After(2 * time.Second):
		t.Fatal("the engine stayed locked after a panic")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}
