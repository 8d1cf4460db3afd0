package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
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

var hubTab = at(7, hubPage)

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
	assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "signed-fresh"}), r)
	assert.Equal(t, []string{hubOrigin + "/user/alice/"}, o.visits)
}

// TestHubTabsShareOneNavigation runs in a synctest bubble: the visit's
// 50 ms pass on the bubble's clock, not the test's.
func TestHubTabsShareOneNavigation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &jar{}
		o := &tabOpener{delay: 50 * time.Millisecond, finalURL: hubOrigin + "/user/alice/lab", land: func() {
			j.set(xsrf.Cookie{Value: "signed-fresh", Path: "/user/alice/"})
		}}
		e := newHubEngine(t, j, o)
		other := at(8, hubPage)
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
			assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "signed-fresh"}), r)
		}
		assert.Len(t, o.visits, 1)
	})
}

func TestHubNavigationThatEndsAtTheLoginGivesUp(t *testing.T) {
	o := &tabOpener{finalURL: hubOrigin + "/hub/login?next=%2Fuser%2Falice%2F"}
	e := newHubEngine(t, &jar{}, o)
	r := send(t, e, hubTab, hubFailed(hubTab, ""))
	assert.Equal(t, onHub(giveUp(ReasonLogin)), r)

	r = send(t, e, hubTab, hubFailed(hubTab, ""))
	assert.Equal(t, onHub(giveUp(ReasonRecentFailure)), r, "no second tab right after a failed one")
	assert.Len(t, o.visits, 1)
}

func TestHubNavigationErrorGivesUp(t *testing.T) {
	o := &tabOpener{err: errors.New("tabs.create: no window")}
	e := newHubEngine(t, &jar{}, o)
	assert.Equal(t, onHub(giveUp(ReasonRenewFailed)), send(t, e, hubTab, hubFailed(hubTab, "")))
}

func TestHubWithoutNavigatorGivesUp(t *testing.T) {
	e := New(&jar{}, nil, &memStore{}, nil)
	send(t, e, hubTab, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})
	assert.Equal(t, onHub(giveUp(ReasonNeedsNavigate)), send(t, e, hubTab, hubFailed(hubTab, "")))
}

func TestHubForbiddenGetIsTriedWithOneNavigation(t *testing.T) {
	j := &jar{}
	o := &tabOpener{finalURL: hubOrigin + "/user/alice/lab", land: func() {
		j.set(xsrf.Cookie{Value: "signed-fresh", Path: "/user/alice/"})
	}}
	e := newHubEngine(t, j, o)
	get := Message{Type: TypeFailed, URL: hubSave + "?content=0", Method: "GET", Status: 403,
		ContentType: "application/json", Body: forbidden}
	assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "signed-fresh"}), send(t, e, hubTab, get))

	get.SentToken = "signed-fresh"
	assert.Equal(t, onHub(giveUp(ReasonLogin)), send(t, e, hubTab, get), "refused again right after a renewal: the login is gone")
	assert.Len(t, o.visits, 1)
}

// clockEngine is a hub engine whose clock the test moves.
func clockEngine(t *testing.T, j *jar, o *tabOpener) (*Engine, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e := New(j, o, &memStore{}, func() time.Time { return now })
	r := send(t, e, hubTab, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})
	require.Equal(t, ActionOK, r.Action, r.Error)
	return e, &now
}

func TestLoggedOutHubBacksOffInsteadOfOpeningTabForever(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: "old", Path: "/user/alice/"}}}
	o := &tabOpener{finalURL: hubOrigin + "/hub/login?next=%2Fuser%2Falice%2F"}
	e, now := clockEngine(t, j, o)
	get := Message{Type: TypeFailed, URL: hubSave + "?content=0", Method: "GET", Status: 403,
		ContentType: "application/json", Body: forbidden, SentToken: "old"}
	for range 30 { // a poll every 11 s for 5.5 minutes
		send(t, e, hubTab, get)
		*now = now.Add(11 * time.Second)
	}
	assert.LessOrEqual(t, len(o.visits), 5, "the pause doubles after each failed navigation")
	assert.GreaterOrEqual(t, len(o.visits), 3)
}

// TestANavigationThatLeavesTheRefusedTokenIsTriedOnce: the first such
// navigation may have renewed the login (see
// TestAHubNavigationThatRenewsTheLoginKeepsTheToken), so its token is
// tried once more; refused again, it opens no further tab.
func TestANavigationThatLeavesTheRefusedTokenIsTriedOnce(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: "same", Path: "/user/alice/"}}}
	o := &tabOpener{finalURL: hubOrigin + "/user/alice/lab"}
	e, now := clockEngine(t, j, o)
	for i := range 5 {
		m := hubFailed(hubTab, "same")
		m.SentAt = now.UnixMilli()
		r := send(t, e, hubTab, m)
		if i == 0 {
			assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "same"}), r)
		} else {
			assert.Equal(t, ActionGiveUp, r.Action, "retrying with the refused token again is pointless")
		}
		*now = now.Add(time.Second)
	}
	assert.Len(t, o.visits, 1)
}

func TestNavigationEndingOutsideTheServerHasFailed(t *testing.T) {
	j := &jar{}
	o := &tabOpener{finalURL: hubOrigin + "/hub/spawn-pending/alice", land: func() {
		j.set(xsrf.Cookie{Value: "hub-own", Path: "/user/alice/"})
	}}
	e, _ := clockEngine(t, j, o)
	assert.Equal(t, onHub(giveUp(ReasonRenewFailed)), send(t, e, hubTab, hubFailed(hubTab, "")))
}

func TestNavigationBudgetCoversAllServers(t *testing.T) {
	o := &tabOpener{finalURL: "http://127.0.0.1:1/elsewhere"} // every visit fails
	j := &jar{}
	e, now := clockEngine(t, j, o)
	for i := range 20 { // a hostile page claiming ever new servers
		tab := at(100+i, fmt.Sprintf("%s/s%d/lab", hubOrigin, i))
		send(t, e, tab, Message{Type: TypeHello, Flavor: "lab", BaseURL: fmt.Sprintf("/s%d/", i), Hub: true})
		m := hubFailed(tab, "")
		m.URL = fmt.Sprintf("%s/s%d/api/contents/x.ipynb", hubOrigin, i)
		send(t, e, tab, m)
		*now = now.Add(time.Second)
	}
	assert.Len(t, o.visits, navBudget)
}

// onHub is r as the engine sends it to a page of a JupyterHub server.
func onHub(r Reply) Reply {
	r.Hub = true
	return r
}

// TestARefusalSentBeforeARenewalIsRetried: a renewal's navigation can set
// the new _xsrf before it has renewed the login (JupyterHub's OAuth
// redirects), so a request the page sends meanwhile carries the new token
// and is refused all the same. Reported after the renewal landed, it is
// retried with the cookie as it is rather than renewed again (hub.test saw
// two navigations for one expired token, in Firefox); a request sent
// after the renewal and refused all the same is renewed again once the
// pause after a renewal has passed.
func TestARefusalSentBeforeARenewalIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &jar{}
		j.set(xsrf.Cookie{Value: "old", Path: "/user/alice/"})
		o := &tabOpener{delay: 50 * time.Millisecond, finalURL: hubOrigin + "/user/alice/lab", land: func() {
			j.set(xsrf.Cookie{Value: "new", Path: "/user/alice/"})
		}}
		e := newHubEngine(t, j, o)

		first := hubFailed(hubTab, "old")
		first.SentAt = time.Now().UnixMilli()
		assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "new"}), send(t, e, hubTab, first))
		require.Len(t, o.visits, 1)

		// Sent with the new cookie while the navigation was under way.
		during := hubFailed(hubTab, "new")
		during.SentAt = first.SentAt + 20
		assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "new"}), send(t, e, hubTab, during),
			"sent before the renewal landed: retried as it is")
		assert.Len(t, o.visits, 1, "no second navigation")

		// Sent after the renewal and refused all the same: at once, it
		// is given up (TestANavigationThatLeavesTheRefusedTokenIsTriedOnce);
		// once the pause has passed, renewed again.
		time.Sleep(time.Second)
		soon := hubFailed(hubTab, "new")
		soon.SentAt = time.Now().UnixMilli()
		assert.Equal(t, ActionGiveUp, send(t, e, hubTab, soon).Action)
		time.Sleep(retryPause)
		o.land = func() { j.set(xsrf.Cookie{Value: "newer", Path: "/user/alice/"}) }
		after := hubFailed(hubTab, "new")
		after.SentAt = time.Now().UnixMilli()
		assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "newer"}), send(t, e, hubTab, after))
		assert.Len(t, o.visits, 2, "refused after the renewal: renewed again")
	})
}

// TestAHubNavigationThatRenewsTheLoginKeepsTheToken: JupyterHub signs
// _xsrf for the session, so a navigation that renews an expired login
// (its OAuth cookie) may leave _xsrf as it was. Ended on the server's own
// page, it renewed what was refused: the request is retried with the
// token it carried (hub.test in Firefox, CI: the last save of the
// expired-token scenario was kept with a dialog, the navigation having
// been judged a failure).
func TestAHubNavigationThatRenewsTheLoginKeepsTheToken(t *testing.T) {
	j := &jar{}
	j.set(xsrf.Cookie{Value: "signed", Path: "/user/alice/"})
	o := &tabOpener{finalURL: hubOrigin + "/user/alice/lab"} // the login renewed, _xsrf unchanged
	e := newHubEngine(t, j, o)

	r := send(t, e, hubTab, hubFailed(hubTab, "signed"))
	assert.Equal(t, onHub(Reply{Action: ActionRetry, Token: "signed"}), r)
	assert.Len(t, o.visits, 1)

	// One that ended anywhere else (the hub's home: the server is not
	// running) renewed nothing.
	o.finalURL = hubOrigin + "/hub/home"
	e2 := newHubEngine(t, j, o)
	r = send(t, e2, hubTab, hubFailed(hubTab, "signed"))
	assert.Equal(t, ActionGiveUp, r.Action)
}
