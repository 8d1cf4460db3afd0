package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// The attacks of issue 19 that the engine itself must stop, whatever the
// relay lets through. Each test failed on the engine as it was before.

// moved is sender's document, still the same one, after it moved to url
// (history.replaceState, or a navigation the test pretends kept the document).
func moved(s Sender, url string) Sender {
	s.URL = url
	return s
}

// documents numbers the documents newDocument makes.
var documents atomic.Int64

// newDocument is a new document in sender's tab, loaded at url.
func newDocument(s Sender, url string) Sender {
	s.URL, s.LoadURL, s.Document = url, url, fmt.Sprintf("%s-%d", s.Document, documents.Add(1))
	return s
}

// aliceKeeps files one kept save of alice's and returns its id.
func aliceKeeps(t *testing.T, e *Engine) string {
	t.Helper()
	r := keep(t, e, alice, "alice-1", aliceNB, 0, 0)
	require.Equal(t, ActionOK, r.Action, r.Error)
	return "alice-1"
}

// asksForAlice sends from s every message that would reach alice's kept
// save or her token, and fails the test if any of them gets either.
func asksForAlice(t *testing.T, e *Engine, s Sender, id string) {
	t.Helper()
	due := send(t, e, s, Message{Type: TypeDue})
	assert.Empty(t, due.Rescues, "alice's kept save is not listed")
	assert.NotEqual(t, ActionWrite, send(t, e, s, Message{Type: TypeCheck, ID: id, Status: 404}).Action, "nor granted")
	assert.NotEqual(t, ActionOK, send(t, e, s, Message{Type: TypeBody, ID: id}).Action, "nor read")
	assert.NotEqual(t, ActionOK, send(t, e, s, Message{Type: TypeFinished, ID: id, Method: "PUT", Status: 200, OK: true}).Action, "nor cleared")
	m := Message{Type: TypeFailed, URL: aliceNB, Method: "PUT", Status: 403, ContentType: "application/json", Body: missing}
	assert.Empty(t, send(t, e, s, m).Token, "nor her token")
	_, still := e.book.Get(id)
	assert.True(t, still, "her kept save is still there")
}

func TestAnotherDocumentInTheTabGetsNothing(t *testing.T) {
	e, _, _ := rescueEngine(t)
	e.cookies = &jar{cookies: []xsrf.Cookie{{Value: "alice-token", Path: "/user/alice/"}}}
	id := aliceKeeps(t, e)
	// Alice's tab goes to a page of bob's server with no Jupyter marker
	// (a jupyter-server-proxy app, a file): a script there speaks.
	asksForAlice(t, e, newDocument(alice, jhOrigin+"/user/bob/proxy/8080/evil.html"), id)
	// Even a page of her own server that is another document.
	asksForAlice(t, e, newDocument(alice, jhOrigin+"/user/alice/static/evil.html"), id)
}

func TestAPageThatLeftItsServerGetsNothing(t *testing.T) {
	e, _, _ := rescueEngine(t)
	e.cookies = &jar{cookies: []xsrf.Cookie{{Value: "alice-token", Path: "/user/alice/"}}}
	id := aliceKeeps(t, e)
	// The same document, moved by history.replaceState out of her server.
	asksForAlice(t, e, moved(alice, jhOrigin+"/user/bob/tree"), id)
}

func TestHelloIsJudgedByTheAddressTheDocumentWasLoadedAt(t *testing.T) {
	e, _, _ := rescueEngine(t)
	e.cookies = &jar{cookies: []xsrf.Cookie{{Value: "alice-token", Path: "/user/alice/"}}}
	id := aliceKeeps(t, e)
	// Bob's page moves itself under alice's server, then claims it.
	liar := moved(at(40, jhOrigin+"/user/bob/notebooks/evil.ipynb"), jhOrigin+"/user/alice/tree")
	r := send(t, e, liar, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/user/alice/"})
	assert.Contains(t, r.Error, "not under its base URL")
	asksForAlice(t, e, liar, id)
}

func TestADocumentBelongsToOneServer(t *testing.T) {
	e, _, _ := rescueEngine(t)
	r := send(t, e, bob, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/"})
	assert.Contains(t, r.Error, "already", "a document that said hello for bob's server cannot claim another")
	r = send(t, e, bob, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/bob/", Hub: true})
	assert.Equal(t, ActionOK, r.Action, "it may say hello again for its own server: %s", r.Error)
}

func TestARestoredTabTableGivesNothingToANewDocument(t *testing.T) {
	e, now, store := rescueEngine(t)
	id := aliceKeeps(t, e)
	// The browser restarts; tab ids start again, and tab 11 now holds
	// another document (bob's marker-less page).
	again := New(&jar{cookies: []xsrf.Cookie{{Value: "alice-token", Path: "/user/alice/"}}}, nil, store,
		func() time.Time { return *now })
	require.NoError(t, again.Restore(context.Background()))
	asksForAlice(t, again, newDocument(alice, jhOrigin+"/user/bob/files/evil.html"), id)
	// Alice's own document, still open after a service worker restart, goes on.
	assert.Len(t, send(t, again, alice, Message{Type: TypeDue}).Rescues, 1)
}

func TestASandboxedDocumentGetsNothing(t *testing.T) {
	e, _, _ := rescueEngine(t)
	e.cookies = &jar{cookies: []xsrf.Cookie{{Value: "root-token", Path: "/"}}}
	// Jupyter serves /files/ HTML with "Content-Security-Policy: sandbox
	// allow-scripts": its document's origin is opaque.
	sandboxed := at(50, jhOrigin+"/files/evil.html")
	sandboxed.Origin = "null"
	r := send(t, e, sandboxed, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	assert.NotEmpty(t, r.Error, "an opaque origin is no server's page")
	r = send(t, e, sandboxed, Message{Type: TypeFailed, URL: jhOrigin + "/api/contents/x", Method: "PUT", Status: 403, Body: missing})
	assert.Empty(t, r.Token)

	elsewhere := at(51, jhOrigin+"/tree")
	elsewhere.Origin = "http://evil.example"
	r = send(t, e, elsewhere, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	assert.NotEmpty(t, r.Error, "an origin that is not the URL's")

	same := at(52, jhOrigin+"/user/alice/tree")
	same.Origin = jhOrigin
	r = send(t, e, same, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/user/alice/"})
	assert.Equal(t, ActionOK, r.Action, r.Error)
}

// quotaStore refuses to store more than limit bytes, as storage.local does
// past its quota; what it held before stays.
type quotaStore struct {
	mu    sync.Mutex
	limit int
	raw   []byte
	fails int
}

func (s *quotaStore) Load(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw, nil
}

func (s *quotaStore) Save(_ context.Context, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(raw) > s.limit {
		s.fails++
		return errors.New("QUOTA_BYTES quota exceeded")
	}
	s.raw = append([]byte(nil), raw...)
	return nil
}

func TestAKeptSaveIsStoredOrRefused(t *testing.T) {
	store := &quotaStore{limit: 6000}
	e := New(&jar{}, nil, store, nil)
	require.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	var accepted []string
	refused := 0
	for i := range 40 {
		id := fmt.Sprintf("r%d", i)
		r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: id, Method: "PUT", Size: 10,
			URL: fmt.Sprintf("%s/user/alice/api/contents/file-%03d.ipynb", jhOrigin, i)})
		if r.Action == ActionOK {
			accepted = append(accepted, id)
			continue
		}
		refused++
		assert.Equal(t, []string{id}, r.Drop, "a save that could not be kept loses its body at once")
		assert.Contains(t, r.Error, "could not be stored", "the page learns that it was not kept")
	}
	require.Positive(t, store.fails, "the test filled the store")
	require.Positive(t, refused)
	require.NotEmpty(t, accepted)

	// The background restarts and sweeps the bodies no kept save names.
	again := New(&jar{}, nil, store, nil)
	require.NoError(t, again.Restore(context.Background()))
	orphans := send(t, again, ext, Message{Type: TypeSweep, IDs: accepted})
	assert.Empty(t, orphans.Drop, "every save that was accepted as kept is still kept")
}

func TestNoBodyIsDroppedWhileTheBooksCannotBeStored(t *testing.T) {
	store := &quotaStore{limit: 1 << 20}
	e := New(&jar{}, nil, store, nil)
	require.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	require.Equal(t, ActionOK, keep(t, e, alice, "r1", aliceNB, 0, 0).Action)
	store.limit = 10 // the store is full from now on
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r2", URL: aliceNB, Method: "PUT", Size: 1})
	assert.NotEqual(t, ActionOK, r.Action, "a newer save of the file cannot replace r1 unstored")
	assert.Equal(t, []string{"r2"}, r.Drop, "only the body that was never recorded goes")
	_, kept := e.book.Get("r1")
	assert.True(t, kept)

	r = handleRaw(t, e, ext, Message{Type: TypeDiscard, ID: "r1"})
	assert.Empty(t, r.Drop, "the stored books still name r1: its body stays until they can be stored")
}

func TestLongPathsAndURLsAreRefused(t *testing.T) {
	e, _, _ := rescueEngine(t)
	long := jhOrigin + "/user/alice/api/contents/" + strings.Repeat("a", 2000) + ".ipynb"
	r := send(t, e, alice, Message{Type: TypeMayKeep, URL: long, Method: "PUT", Size: 1})
	assert.NotEmpty(t, r.Error, "a path no notebook has")
	r = handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "long", URL: long, Method: "PUT", Size: 1})
	assert.NotEmpty(t, r.Error, "a path no notebook has")
	assert.Equal(t, []string{"long"}, r.Drop)
	_, err := DecodeMessage([]byte(`{"type":"failed","method":"PUT","url":"`+long+long+long+`"}`), alice)
	assert.ErrorIs(t, err, ErrMessage, "a URL longer than any browser sends to Jupyter")
	r = send(t, e, at(60, jhOrigin+"/"+strings.Repeat("b", 3000)+"/tree"),
		Message{Type: TypeHello, Flavor: "lab", BaseURL: "/" + strings.Repeat("b", 3000) + "/"})
	assert.NotEmpty(t, r.Error, "a base URL longer than any server's")
}

func TestKeptSavesAreBoundedWhateverBaseAPageClaims(t *testing.T) {
	e, now, _ := rescueEngine(t)
	deep := "/a/b/c/d/e/f/g/h/i/j/k/"
	bases := []string{"/", "/a/", "/a/b/", "/a/b/c/", "/a/b/c/d/", "/a/b/c/d/e/", "/a/b/c/d/e/f/", "/a/b/c/d/e/f/g/", "/a/b/c/d/e/f/g/h/", "/a/b/c/d/e/f/g/h/i/"}
	kept, servers := 0, 0
	for i, base := range bases {
		// One page load per claimed base (a new document each time).
		s := at(70+i, jhOrigin+deep+"x.html")
		if send(t, e, s, Message{Type: TypeHello, Flavor: "classic", BaseURL: base}).Action != ActionOK {
			continue
		}
		servers++
		for j := range maxRescuesPerServer {
			id := fmt.Sprintf("%d-%d", i, j)
			u := fmt.Sprintf("%s%sapi/contents/f%d.ipynb", jhOrigin, base, j)
			if keep(t, e, s, id, u, 0, 0).Action == ActionOK {
				kept++
			}
		}
		*now = now.Add(time.Second)
	}
	assert.Equal(t, maxServersPerOrigin-2, servers, "one origin's pages know at most %d servers: alice's, bob's and six claimed", maxServersPerOrigin)
	assert.LessOrEqual(t, kept, maxRescues, "all kept saves together stay bounded")
}

func TestServersAreBoundedAndPruned(t *testing.T) {
	store := &memStore{}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e := New(&jar{}, nil, store, func() time.Time { return now })
	require.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	require.Equal(t, ActionOK, keep(t, e, alice, "a1", aliceNB, 0, 0).Action)
	for i := range 2000 {
		s := at(1000+i, fmt.Sprintf("http://127.0.0.1:%d/s%d/tree", 10000+i%50, i))
		send(t, e, s, Message{Type: TypeHello, Flavor: "classic", BaseURL: fmt.Sprintf("/s%d/", i)})
		now = now.Add(time.Second)
	}
	var st savedState
	require.NoError(t, json.Unmarshal(store.raw, &st))
	assert.LessOrEqual(t, len(st.Servers), maxServers, "servers with nothing kept are forgotten")
	found := false
	for _, s := range st.Servers {
		found = found || s.key() == jhOrigin+"/user/alice/"
	}
	assert.True(t, found, "a server with a kept save is never forgotten")
	assert.Less(t, len(store.raw), maxStateBytes)
}

func TestABodyIsAskedForBeforeItIsSent(t *testing.T) {
	e, _, _ := rescueEngine(t)
	r := send(t, e, alice, Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: 5})
	assert.Equal(t, ActionOK, r.Action, r.Error)
	assert.NotEmpty(t, r.Lease, "a ticket")
	r = send(t, e, alice, Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: maxBytesPerServer + 1})
	assert.NotEmpty(t, r.Error, "too large for what a server may keep")
	r = send(t, e, newDocument(alice, jhOrigin+"/user/bob/files/x.html"), Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: 5})
	assert.NotEmpty(t, r.Error, "a document that said no hello keeps nothing")
	r = send(t, e, bob, Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: 5})
	assert.NotEmpty(t, r.Error, "bob's page keeps nothing of alice's server")
}

func TestSavesOnTheirWayCountAgainstTheBounds(t *testing.T) {
	e, _, _ := rescueEngine(t)
	big := int64(maxBytesPerServer / 2)
	first := send(t, e, alice, Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: big})
	require.Equal(t, ActionOK, first.Action, first.Error)
	second := send(t, e, alice, Message{Type: TypeMayKeep, URL: aliceNB, Method: "PUT", Size: big + 1})
	assert.NotEmpty(t, second.Error, "the first, still on its way, holds its share")

	// Alice reloads while her first body travels: her new document says
	// hello, and the save is still recorded, by its ticket.
	reloaded := newDocument(alice, alice.URL)
	require.Equal(t, ActionOK, send(t, e, reloaded, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r1", URL: aliceNB, Method: "PUT", Size: big, Lease: first.Lease})
	assert.Equal(t, ActionOK, r.Action, r.Error)
	r = handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r2", URL: aliceNB, Method: "PUT", Size: 1, Lease: first.Lease})
	assert.NotEmpty(t, r.Error, "a ticket serves once")
	assert.Equal(t, []string{"r2"}, r.Drop)
	r = handleRaw(t, e, alice, Message{Type: TypeRescue, ID: "r3", URL: aliceNB, Method: "PUT", Size: 1, Lease: "guessed"})
	assert.NotEmpty(t, r.Error, "no ticket, no save")
}

func TestOnlySavesRefusedForAWhileAreKept(t *testing.T) {
	e, _, _ := rescueEngine(t)
	for i, status := range []int{400, 404, 409, 413} {
		r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: fmt.Sprint("bad", i), URL: aliceNB, Method: "PUT", Status: status, Size: 1})
		assert.NotEmpty(t, r.Error, "%d is the save's own fault", status)
	}
	for i, status := range []int{0, 401, 403, 408, 429, 500, 503} {
		r := handleRaw(t, e, alice, Message{Type: TypeRescue, ID: fmt.Sprint("ok", i), URL: aliceNB, Method: "PUT", Status: status, Size: 1})
		assert.Equal(t, ActionOK, r.Action, "%d: %s", status, r.Error)
	}
}

func TestAServerInUseIsNeverForgotten(t *testing.T) {
	e, now, _ := rescueEngine(t)
	// A page on other ports of the host says hello for ever new servers,
	// faster than alice's pages go idle.
	refused := 0
	for i := range 3 * maxServers {
		s := at(5000+i, fmt.Sprintf("http://127.0.0.1:%d/s/tree", 20000+i))
		if send(t, e, s, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/s/"}).Action != ActionOK {
			refused++
		}
		*now = now.Add(time.Second)
	}
	assert.Positive(t, refused, "new servers are refused once every known one is in use")
	assert.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeDue}).Action, "alice's page still works")
	assert.Equal(t, ActionOK, send(t, e, newDocument(alice, alice.URL), Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action,
		"and a new page of her server is welcome")
}

func TestAForgottenPageIsAskedToSayHelloAgain(t *testing.T) {
	e, _, _ := rescueEngine(t)
	require.Equal(t, ActionOK, send(t, e, ext, Message{Type: TypeForget, URL: jhOrigin + "/user/alice/"}).Action)
	r := send(t, e, alice, Message{Type: TypeDue})
	assert.True(t, r.SayHello, "%+v", r)
	r = send(t, e, alice, Message{Type: TypeFailed, URL: aliceNB, Method: "PUT", Status: 403, Body: missing})
	assert.True(t, r.SayHello)
	require.Equal(t, ActionOK, send(t, e, alice, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"}).Action)
	assert.False(t, send(t, e, alice, Message{Type: TypeDue}).SayHello)
}

func TestHellosAreRateLimitedPerServer(t *testing.T) {
	e, _, store := rescueEngine(t)
	ok := 0
	for i := range 500 { // reloads of bob's page: each a new document
		s := at(3000+i, jhOrigin+"/user/bob/tree")
		if send(t, e, s, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/bob/"}).Action == ActionOK {
			ok++
		}
	}
	assert.LessOrEqual(t, ok, hellosPerMinute, "a page reloading itself cannot make the engine store its state at will")
	assert.NotEmpty(t, store.raw)
	r := send(t, e, newDocument(alice, alice.URL), Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/"})
	assert.Equal(t, ActionOK, r.Action, "bob's reloads use up none of alice's allowance on the same origin: %s", r.Error)
}

func TestTabBudgetAndBackOffSurviveARestart(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memStore{}
	o := &tabOpener{finalURL: hubOrigin + "/hub/login?next=%2Fuser%2Falice%2F"}
	start := func() *Engine {
		e := New(&jar{}, o, store, clock)
		require.NoError(t, e.Restore(context.Background()))
		require.Equal(t, ActionOK, send(t, e, hubTab, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true}).Action)
		return e
	}
	// A logged-out hub's autosave every two minutes for 20 minutes, with
	// the engine running all along, then with Chrome stopping the idle
	// service worker between saves: the same tabs open.
	saves := func(restart bool) int {
		o.visits = nil
		e := start()
		for range 10 {
			send(t, e, hubTab, hubFailed(hubTab, ""))
			now = now.Add(2 * time.Minute)
			if restart {
				e = start()
			}
		}
		return len(o.visits)
	}
	running := saves(false)
	store = &memStore{}
	restarted := saves(true)
	assert.Less(t, running, 10, "the back-off doubles from 10 s")
	assert.Equal(t, running, restarted, "the back-off outlives the service worker")

	// The budget too: six tabs in ten minutes, for all servers, across restarts.
	o2 := &tabOpener{finalURL: "http://127.0.0.1:1/elsewhere"}
	store2 := &memStore{}
	for i := range 12 {
		e := New(&jar{}, o2, store2, clock)
		require.NoError(t, e.Restore(context.Background()))
		tab := at(4000+i, fmt.Sprintf("%s/s%d/lab", hubOrigin, i))
		send(t, e, tab, Message{Type: TypeHello, Flavor: "lab", BaseURL: fmt.Sprintf("/s%d/", i), Hub: true})
		m := hubFailed(tab, "")
		m.URL = fmt.Sprintf("%s/s%d/api/contents/x.ipynb", hubOrigin, i)
		send(t, e, tab, m)
		now = now.Add(10 * time.Second)
	}
	assert.Len(t, o2.visits, navBudget)
}

func TestAnHttpOnlyTokenIsNeverHandedToAPage(t *testing.T) {
	// A page on another port of the same host: cookies ignore ports, so the
	// browser's cookie store shows it the Jupyter server's HttpOnly _xsrf.
	j := &jar{cookies: []xsrf.Cookie{{Value: "jupyter-secret", Path: "/", HTTPOnly: true}}}
	other := at(80, "http://127.0.0.1:3000/tree")
	e := New(j, nil, &memStore{}, nil)
	require.Equal(t, ActionOK, send(t, e, other, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"}).Action)
	r := send(t, e, other, Message{Type: TypeFailed, URL: "http://127.0.0.1:3000/api/contents/x", Method: "PUT",
		Status: 403, ContentType: "application/json", Body: missing})
	assert.NotEqual(t, "jupyter-secret", r.Token, "a value the page could not read is not handed to it")
	assert.Equal(t, giveUp(ReasonHTTPOnly), r)
}

func TestTendRunsAtMostOncePerInterval(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: "t", Path: "/"}}}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e := New(j, nil, &memStore{}, func() time.Time { return now })
	require.Equal(t, ActionOK, send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"}).Action)
	assert.Zero(t, send(t, e, ext, Message{Type: TypeTend}).RetryIn)
	now = now.Add(time.Second)
	for range 100 { // a page setting document.cookie in a loop wakes "tend" each time
		r := send(t, e, ext, Message{Type: TypeTend})
		assert.Equal(t, (tendInterval - time.Second).Milliseconds(), r.RetryIn, "the background is told when to ask again")
	}
	assert.Equal(t, 1, j.reads, "one look at the cookies")
	now = now.Add(tendInterval)
	send(t, e, ext, Message{Type: TypeTend})
	assert.Equal(t, 2, j.reads)
}

func TestTheSettingsPageSeesAndForgetsEveryServer(t *testing.T) {
	e, _, _ := rescueEngine(t)
	aliceKeeps(t, e)
	// No tab of alice's is open any more: her pages' status is out of reach.
	r := send(t, e, ext, Message{Type: TypeServers})
	require.Len(t, r.Servers, 2)
	assert.Equal(t, jhOrigin, r.Servers[0].Origin)
	assert.Equal(t, "/user/alice/", r.Servers[0].BaseURL, "servers with kept saves come first")
	require.Len(t, r.Servers[0].Rescues, 1)
	assert.Equal(t, "alice-1", r.Servers[0].Rescues[0].ID)
	assert.Empty(t, r.Servers[1].Rescues)

	assert.NotEmpty(t, send(t, e, alice, Message{Type: TypeServers}).Error, "pages may not list servers")
	assert.NotEmpty(t, send(t, e, alice, Message{Type: TypeForget, URL: jhOrigin + "/user/bob/"}).Error, "nor forget one")

	f := handleRaw(t, e, ext, Message{Type: TypeForget, URL: jhOrigin + "/user/alice/"})
	assert.Equal(t, ActionOK, f.Action, f.Error)
	assert.Equal(t, []string{"alice-1"}, f.Drop, "her kept save's body goes with her server")
	r = send(t, e, ext, Message{Type: TypeServers})
	require.Len(t, r.Servers, 1)
	assert.Equal(t, "/user/bob/", r.Servers[0].BaseURL)
	assert.False(t, e.Status(context.Background(), alice.TabID, "").Detected, "her tab is forgotten too")
	assert.NotEmpty(t, send(t, e, ext, Message{Type: TypeForget, URL: jhOrigin + "/user/alice/"}).Error, "forgotten already")
}

func TestAHubWindowOpenedByAnotherPageDoesNotWriteBack(t *testing.T) {
	e, _, _ := rescueEngine(t)
	id := aliceKeeps(t, e)
	// alice's server is a JupyterHub's; bob's page opened this window of hers.
	opened := newDocument(alice, alice.URL)
	opened.Opened = true
	r := send(t, e, opened, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/user/alice/", Hub: true})
	assert.Equal(t, ActionOK, r.Action, r.Error)
	assert.Empty(t, r.Rescues, "no kept save is listed to it")
	assert.Empty(t, send(t, e, opened, Message{Type: TypeDue}).Rescues)
	assert.Equal(t, ActionKeep, send(t, e, opened, Message{Type: TypeCheck, ID: id, Status: 404}).Action, "nor granted")
	assert.NotEqual(t, ActionOK, send(t, e, opened, Message{Type: TypeBody, ID: id}).Action, "nor read")
	assert.NotEqual(t, ActionOK, send(t, e, opened, Message{Type: TypeFinished, ID: id, Method: "PUT", Status: 200, OK: true}).Action, "nor cleared")
	_, still := e.book.Get(id)
	assert.True(t, still)
	// It still protects its own saves.
	m := Message{Type: TypeFailed, URL: aliceNB, Method: "PUT", Status: 403, ContentType: "application/json", Body: hubMissing}
	assert.NotContains(t, send(t, e, opened, m).Error, "opened")

	// On a server that is not a hub, the opener is a page of the same server
	// (a tree page opening a notebook): the window writes back as any page.
	e2 := newEngine(t, &jar{})
	tree := at(90, page)
	tree.Opened = true
	require.Equal(t, ActionOK, send(t, e2, tree, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"}).Action)
	require.Equal(t, ActionOK, send(t, e2, tree, Message{Type: TypeRescue, ID: "t1", URL: saveURL, Method: "PUT", Size: 1}).Action)
	assert.Len(t, send(t, e2, tree, Message{Type: TypeDue}).Rescues, 1)
	assert.Equal(t, ActionWrite, send(t, e2, tree, Message{Type: TypeCheck, ID: "t1", Status: 404}).Action)
}
