package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// tabOpener stands in for the browser's tabs: each visit runs land (which
// may set cookies) and ends at finalURL, or fails with err.
type tabOpener struct {
	mu       sync.Mutex
	visits   []string
	finalURL string
	err      error
	land     func()
	delay    time.Duration
}

func (o *tabOpener) Visit(ctx context.Context, url string) (string, error) {
	o.mu.Lock()
	o.visits = append(o.visits, url)
	o.mu.Unlock()
	time.Sleep(o.delay)
	if o.land != nil {
		o.land()
	}
	return o.finalURL, o.err
}

const (
	hubOrigin  = "http://127.0.0.1:8000"
	hubPage    = hubOrigin + "/user/alice/lab/tree/x.ipynb"
	hubSave    = hubOrigin + "/user/alice/api/contents/x.ipynb"
	hubMissing = `{"message": "'_xsrf' argument missing from PUT", "reason": null}`
)

var hubTab = Sender{TabID: 7, URL: hubPage}

func newHubEngine(t *testing.T, j *jar, o *tabOpener) *Engine {
	t.Helper()
	e := New(j, o, &memStore{}, nil)
	r := send(t, e, hubTab, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})
	require.Equal(t, ActionOK, r.Action, r.Error)
	return e
}

func hubFailed(sender Sender, sent string) Message {
	return Message{Type: TypeFailed, URL: hubSave, Method: "PUT", Status: 403,
		ContentType: "application/json", Body: hubMissing, SentToken: sent}
}

func TestHubRenewsByOpeningTheBaseURLInATab(t *testing.T) {
	j := &jar{}
	o := &tabOpener{finalURL: hubOrigin + "/user/alice/lab", land: func() {
		j.set(xsrf.Cookie{Value: "signed-fresh", Path: "/user/alice/"})
	}}
	e := newHubEngine(t, j, o)

	r := send(t, e, hubTab, hubFailed(hubTab, ""))
	assert.Equal(t, Reply{Action: ActionRetry, Token: "signed-fresh"}, r)
	assert.Equal(t, []string{hubOrigin + "/user/alice/"}, o.visits)
}

func TestHubTabsShareOneNavigation(t *testing.T) {
	j := &jar{}
	o := &tabOpener{delay: 50 * time.Millisecond, finalURL: hubOrigin + "/user/alice/lab", land: func() {
		j.set(xsrf.Cookie{Value: "signed-fresh", Path: "/user/alice/"})
	}}
	e := newHubEngine(t, j, o)
	other := Sender{TabID: 8, URL: hubPage}
	send(t, e, other, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})

	var wg sync.WaitGroup
	replies := make([]Reply, 2)
	for i, s := range []Sender{hubTab, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = send(t, e, s, hubFailed(s, ""))
		}()
	}
	wg.Wait()
	for _, r := range replies {
		assert.Equal(t, Reply{Action: ActionRetry, Token: "signed-fresh"}, r)
	}
	assert.Len(t, o.visits, 1)
}

func TestHubNavigationThatEndsAtTheLoginGivesUp(t *testing.T) {
	o := &tabOpener{finalURL: hubOrigin + "/hub/login?next=%2Fuser%2Falice%2F"}
	e := newHubEngine(t, &jar{}, o)
	r := send(t, e, hubTab, hubFailed(hubTab, ""))
	assert.Equal(t, giveUp(ReasonLogin), r)

	r = send(t, e, hubTab, hubFailed(hubTab, ""))
	assert.Equal(t, giveUp(ReasonRecentFailure), r, "no second tab right after a failed one")
	assert.Len(t, o.visits, 1)
}

func TestHubNavigationErrorGivesUp(t *testing.T) {
	o := &tabOpener{err: errors.New("tabs.create: no window")}
	e := newHubEngine(t, &jar{}, o)
	assert.Equal(t, giveUp(ReasonRenewFailed), send(t, e, hubTab, hubFailed(hubTab, "")))
}

func TestHubWithoutNavigatorGivesUp(t *testing.T) {
	e := New(&jar{}, nil, &memStore{}, nil)
	send(t, e, hubTab, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})
	assert.Equal(t, giveUp(ReasonNeedsNavigate), send(t, e, hubTab, hubFailed(hubTab, "")))
}

func TestHubForbiddenGetIsTriedWithOneNavigation(t *testing.T) {
	j := &jar{}
	o := &tabOpener{finalURL: hubOrigin + "/user/alice/lab", land: func() {
		j.set(xsrf.Cookie{Value: "signed-fresh", Path: "/user/alice/"})
	}}
	e := newHubEngine(t, j, o)
	get := Message{Type: TypeFailed, URL: hubSave + "?content=0", Method: "GET", Status: 403,
		ContentType: "application/json", Body: forbidden}
	assert.Equal(t, Reply{Action: ActionRetry, Token: "signed-fresh"}, send(t, e, hubTab, get))

	get.SentToken = "signed-fresh"
	assert.Equal(t, giveUp(ReasonLogin), send(t, e, hubTab, get), "refused again right after a renewal: the login is gone")
	assert.Len(t, o.visits, 1)
}
