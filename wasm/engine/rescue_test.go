package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

const jhOrigin = "http://127.0.0.1:8000"

var (
	ext   = Sender{TabID: -1, URL: "chrome-extension://x/popup.html", Extension: true}
	alice = at(11, jhOrigin+"/user/alice/tree")
	bob   = at(12, jhOrigin+"/user/bob/tree")
)

// rescueEngine is an engine on a fake clock that knows alice's and bob's
// servers (one origin, two base URLs, as on JupyterHub).
func rescueEngine(t *testing.T) (*Engine, *time.Time, *memStore) {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	store := &memStore{}
	e := New(&jar{}, nil, store, func() time.Time { return now })
	for _, s := range []Sender{alice, bob} {
		base := "/user/alice/"
		if s == bob {
			base = "/user/bob/"
		}
		r := send(t, e, s, Message{Type: TypeHello, Flavor: "lab", BaseURL: base})
		require.Equal(t, ActionOK, r.Action, r.Error)
	}
	return e, &now, store
}

func keep(t *testing.T, e *Engine, s Sender, id, url string, status int, basedOn int64) Reply {
	t.Helper()
	return send(t, e, s, Message{Type: TypeRescue, ID: id, URL: url, Method: "PUT", Status: status,
		BasedOn: basedOn, Size: 1234})
}

const aliceNB = jhOrigin + "/user/alice/api/contents/dir/my%20nb.ipynb"

func TestAKeptSaveIsDueAndLandsOnceWritten(t *testing.T) {
	e, now, _ := rescueEngine(t)
	based := now.Add(-time.Hour).UnixMilli()
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r1", URL: aliceNB + "?1795", Method: "PUT", BasedOn: based, Size: 5})
	require.Equal(t, ActionOK, r.Action, r.Error)
	require.NotNil(t, r.Kept)
	assert.Equal(t, 1, *r.Kept, "the badge counts it")

	st := e.Status(context.Background(), alice.TabID, "")
	require.Len(t, st.Rescues, 1)
	assert.Equal(t, RescueView{ID: "r1", Path: "dir/my nb.ipynb", URL: aliceNB, Taken: now.UnixMilli(), BasedOn: based,
		Size: 5, State: "pending", Reason: ReasonUnreachable}, st.Rescues[0])
	assert.Equal(t, 1, st.SavesKept)

	due := send(t, e, alice, Message{Type: TypeDue})
	require.Len(t, due.Rescues, 1)
	assert.Empty(t, send(t, e, bob, Message{Type: TypeDue}).Rescues, "bob's pages see nothing of alice's")

	assert.Equal(t, ActionWait, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 503}).Action)
	assert.Equal(t, ActionWait, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 200}).Action,
		"a 200 without the file's last_modified is not the file (a login page)")
	assert.Contains(t, send(t, e, alice, Message{Type: TypeBody, ID: "r1"}).Error, "not this page's", "no body before a check")
	r = send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 200, LastModified: based})
	assert.Equal(t, ActionWrite, r.Action, "the file is still the version the edit started from")
	assert.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeBody, ID: "r1"}).Action)

	r = handleRaw(t, e, alice, Message{Type: TypeFinished, ID: "r1", Method: "PUT", Status: 200, OK: true})
	assert.Equal(t, []string{"r1"}, r.Drop, "the body goes")
	assert.Equal(t, 0, *r.Kept)
	st = e.Status(context.Background(), alice.TabID, "")
	assert.Empty(t, st.Rescues)
	assert.Equal(t, 1, st.SavesFinished)
}

func TestAnotherServersPageGetsNothing(t *testing.T) {
	e, _, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)

	assert.Contains(t, send(t, e, bob, Message{Type: TypeRescue, ID: "r2", URL: aliceNB, Method: "PUT"}).Error,
		"not for the sender's server", "bob cannot file rescues for alice")
	assert.Equal(t, ActionKeep, send(t, e, bob, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action)
	assert.Contains(t, send(t, e, bob, Message{Type: TypeBody, ID: "r1"}).Error, "not this page's")
	assert.Contains(t, send(t, e, bob, Message{Type: TypeFinished, ID: "r1", Method: "PUT", OK: true}).Error, "not this page's")
	assert.Empty(t, e.Status(context.Background(), bob.TabID, "").Rescues)
	assert.Len(t, e.Status(context.Background(), alice.TabID, "").Rescues, 1, "alice's rescue is untouched")
	assert.Contains(t, send(t, e, alice, Message{Type: TypeDiscard, ID: "r1"}).Error, "for the extension itself",
		"pages cannot discard")
}

// On a hub without subdomains, a script in bob's page can claim a base URL
// above his own ("/user/" or "/": the page is under it) to make alice's
// requests look like its server's. The token it gets is still only one the
// browser sends to that claimed base, never alice's.
func TestAShorterBaseURLGetsNoTokenOfAServerUnderIt(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: "alice-token", Path: "/user/alice/"}, {Value: "bob-token", Path: "/user/bob/"}}}
	e := New(j, nil, &memStore{}, nil)
	require.Equal(t, ActionOK, send(t, e, bob, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/user/bob/"}).Action)
	control := send(t, e, bob, Message{Type: TypeFailed, URL: jhOrigin + "/user/bob/api/contents/b.ipynb", Method: "PUT",
		Status: 403, ContentType: "application/json", Body: missing})
	require.Equal(t, "bob-token", control.Token, "bob's own page gets the token of bob's server")

	for _, base := range []string{"/user/", "/"} {
		// A page of bob's that names a base above its own (a new document:
		// a document said hello for one server).
		claim := newDocument(bob, bob.URL+"?claim="+base)
		r := send(t, e, claim, Message{Type: TypeHello, Flavor: "classic", BaseURL: base})
		require.Equal(t, ActionOK, r.Action, "bob's page is under %s", base)
		r = send(t, e, claim, Message{Type: TypeFailed, URL: aliceNB, Method: "PUT", Status: 403,
			ContentType: "application/json", Body: missing})
		assert.Empty(t, r.Token, "no cookie is set on %s, so no token: claiming %s", base, base)
	}
}

// JupyterHub answers 424 for a user's server that is not running (culled
// or stopped): the save is kept, and the user told to start the server.
func TestASaveToAStoppedHubServerIsKept(t *testing.T) {
	e, _, _ := rescueEngine(t)
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r1", URL: aliceNB, Method: "PUT", Status: 424, Size: 5})
	require.Equal(t, ActionOK, r.Action, r.Error)
	st := e.Status(context.Background(), alice.TabID, "")
	require.Len(t, st.Rescues, 1)
	assert.Equal(t, ReasonServerStopped, st.Rescues[0].Reason)
	assert.Equal(t, ActionWait, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 424}).Action,
		"a check the hub answers 424 waits for the server")
}

func TestOnlySavesOfFilesAreKept(t *testing.T) {
	e, _, _ := rescueEngine(t)
	for _, url := range []string{jhOrigin + "/user/alice/api/sessions", aliceNB + "/checkpoints"} {
		r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "x", URL: url, Method: "PUT"})
		assert.NotEmpty(t, r.Error, url)
		assert.Equal(t, []string{"x"}, r.Drop, "the stored body goes too")
	}
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "x", URL: aliceNB, Method: "POST"})
	assert.NotEmpty(t, r.Error)
}

func TestANewerRescueOfAFileReplacesTheOlder(t *testing.T) {
	e, now, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	*now = now.Add(time.Minute)
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r2", URL: aliceNB, Method: "PUT", Reason: ReasonLogin, Status: 403})
	assert.Equal(t, []string{"r1"}, r.Drop)
	st := e.Status(context.Background(), alice.TabID, "")
	require.Len(t, st.Rescues, 1)
	assert.Equal(t, "r2", st.Rescues[0].ID)
	assert.Equal(t, ReasonLogin, st.Rescues[0].Reason)
}

func TestAFileChangedOnTheServerIsNotOverwritten(t *testing.T) {
	e, now, _ := rescueEngine(t)
	based := now.Add(-time.Hour)
	keep(t, e, alice, "r1", aliceNB, 0, based.UnixMilli())
	r := send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 200, LastModified: based.Add(time.Second).UnixMilli()})
	assert.Equal(t, Reply{Action: ActionKeep, Reason: ReasonChanged}, r)
	assert.Empty(t, send(t, e, alice, Message{Type: TypeDue}).Rescues, "a conflict waits for the user")
	st := e.Status(context.Background(), alice.TabID, "")
	require.Len(t, st.Rescues, 1)
	assert.Equal(t, "conflict", st.Rescues[0].State)
	assert.Equal(t, ReasonChanged, st.Rescues[0].Reason)

	// The user decides to save it anyway.
	assert.Equal(t, ActionOK, send(t, e, ext, Message{Type: TypeSaveNow, ID: "r1"}).Action)
	require.Len(t, send(t, e, alice, Message{Type: TypeDue}).Rescues, 1)
	r = send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 200, LastModified: now.UnixMilli()})
	assert.Equal(t, ActionWrite, r.Action)
}

func TestADeletedFileComesBack(t *testing.T) {
	e, _, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 1)
	assert.Equal(t, ActionWrite, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action)
}

func TestOnePageWritesARescueAtATime(t *testing.T) {
	e, now, _ := rescueEngine(t)
	alice2 := at(21, jhOrigin+"/user/alice/lab")
	require.Equal(t, ActionOK, send(t, e, alice2, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	require.Equal(t, ActionWrite, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action)
	assert.Empty(t, send(t, e, alice2, Message{Type: TypeDue}).Rescues)
	assert.Equal(t, ActionWait, send(t, e, alice2, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action)
	*now = now.Add(grantTime + time.Second) // the first page went away
	assert.Equal(t, ActionWrite, send(t, e, alice2, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action)
	assert.Contains(t, send(t, e, alice, Message{Type: TypeBody, ID: "r1"}).Error, "not this page's")
}

func TestAFailedWriteIsTriedAgainLater(t *testing.T) {
	e, now, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	for i, pause := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		require.Equal(t, ActionWrite, send(t, e, alice, Message{Type: TypeCheck, ID: "r1", Status: 404}).Action, i)
		r := send(t, e, alice, Message{Type: TypeFinished, ID: "r1", Method: "PUT", Status: 403, Reason: ReasonLogin})
		require.Equal(t, ActionOK, r.Action, r.Error)
		*now = now.Add(pause - time.Second)
		paused := send(t, e, alice, Message{Type: TypeDue})
		assert.Empty(t, paused.Rescues, "try %d: pausing", i)
		assert.Equal(t, int64(1000), paused.RetryIn, "try %d: the page is told when to come back", i)
		*now = now.Add(time.Second)
		assert.Len(t, send(t, e, alice, Message{Type: TypeDue}).Rescues, 1, "try %d: due again", i)
	}
	st := e.Status(context.Background(), alice.TabID, "")
	assert.Equal(t, ReasonLogin, st.Rescues[0].Reason)
	assert.Equal(t, 3, st.Rescues[0].Tries)
}

func TestHelloListsDueRescues(t *testing.T) {
	e, _, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	alice2 := at(31, jhOrigin+"/user/alice/lab")
	r := send(t, e, alice2, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"})
	require.Len(t, r.Rescues, 1, "a page that opens after the user logged in again finishes the save")
	assert.Equal(t, aliceNB, r.Rescues[0].URL)
}

func TestDiscardAndExpiry(t *testing.T) {
	e, now, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	keep(t, e, alice, "r2", jhOrigin+"/user/alice/api/contents/b.ipynb", 0, 0)
	r := handleRaw(t, e, ext, Message{Type: TypeDiscard, ID: "r1"})
	assert.Equal(t, []string{"r1"}, r.Drop)
	assert.NotEmpty(t, send(t, e, ext, Message{Type: TypeDiscard, ID: "r1"}).Error)

	*now = now.Add(8 * 24 * time.Hour)
	assert.Equal(t, DefaultKeepDays, send(t, e, ext, Message{Type: TypeSettings}).KeepDays)
	assert.NotEmpty(t, send(t, e, ext, Message{Type: TypeSettings, KeepDays: 4000}).Error)
	r = handleRaw(t, e, ext, Message{Type: TypeSettings, KeepDays: 7})
	assert.Equal(t, []string{"r2"}, r.Drop, "older than the user keeps them")
	assert.Equal(t, 0, *r.Kept)
	assert.Equal(t, 7, send(t, e, ext, Message{Type: TypeSettings}).KeepDays)
}

func TestTendDropsRescuesAfterThirtyDays(t *testing.T) {
	e, now, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	*now = now.Add(29 * 24 * time.Hour)
	assert.Empty(t, handleRaw(t, e, ext, Message{Type: TypeTend}).Drop)
	*now = now.Add(2 * 24 * time.Hour)
	assert.Equal(t, []string{"r1"}, handleRaw(t, e, ext, Message{Type: TypeTend}).Drop)
}

func TestRescuesSurviveARestart(t *testing.T) {
	e, now, store := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	again := New(&jar{}, nil, store, func() time.Time { return *now })
	require.NoError(t, again.Restore(context.Background()))
	r := send(t, again, alice, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"})
	require.Len(t, r.Rescues, 1)
	assert.Equal(t, "r1", r.Rescues[0].ID)
}

func TestSavesAreCounted(t *testing.T) {
	e, _, _ := rescueEngine(t)
	send(t, e, alice, Message{Type: TypeOutcome, URL: aliceNB, Method: "PUT", Status: 200, OK: true})
	send(t, e, alice, Message{Type: TypeOutcome, URL: jhOrigin + "/user/alice/api/sessions", Method: "POST", Status: 201, OK: true})
	assert.Equal(t, 1, e.Status(context.Background(), alice.TabID, "").SavesSeen)
}

func TestOnePagesRescuesAreBounded(t *testing.T) {
	e, _, _ := rescueEngine(t)
	for i := range maxRescuesPerServer {
		r := keep(t, e, alice, fmt.Sprintf("r%d", i), fmt.Sprintf("%s/user/alice/api/contents/f%d.ipynb", jhOrigin, i), 0, 0)
		require.Equal(t, ActionOK, r.Action, r.Error)
	}
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "one-more", URL: aliceNB, Method: "PUT", Size: 1})
	assert.Contains(t, r.Error, "too many rescues")
	assert.Equal(t, []string{"one-more"}, r.Drop)

	r = handleRaw(t, e, bob, Message{Type: TypeRescue, ID: "huge", URL: jhOrigin + "/user/bob/api/contents/a.ipynb", Method: "PUT", Size: maxBytesPerServer + 1})
	assert.Contains(t, r.Error, "too many rescues", "bob's own budget, in bytes")
}

func TestSweepFindsBodiesWithoutRescue(t *testing.T) {
	e, _, _ := rescueEngine(t)
	keep(t, e, alice, "r1", aliceNB, 0, 0)
	r := handleRaw(t, e, ext, Message{Type: TypeSweep, IDs: []string{"r1", "lost"}})
	assert.Equal(t, []string{"lost"}, r.Drop)
	assert.NotEmpty(t, send(t, e, alice, Message{Type: TypeSweep, IDs: []string{"r1"}}).Error, "only the background sweeps")
}
