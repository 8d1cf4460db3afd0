package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// jar is an in-memory cookie store: cookies by path, all for one host.
type jar struct {
	mu       sync.Mutex
	cookies  []xsrf.Cookie
	err      error
	reads    int
	extended []string // the URLs passed to Extend
}

// XSRFCookies returns the cookies whose path matches rawURL's, as the
// browser's cookie store does (RFC 6265 5.1.4), in the order they were set.
func (j *jar) XSRFCookies(_ context.Context, rawURL string) ([]xsrf.Cookie, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.reads++
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var out []xsrf.Cookie
	for _, c := range j.cookies {
		p := c.Path
		if p == "" || u.Path == p || strings.HasPrefix(u.Path, p) && (strings.HasSuffix(p, "/") || u.Path[len(p)] == '/') {
			out = append(out, c)
		}
	}
	return out, j.err
}

func (j *jar) Extend(_ context.Context, url string, c xsrf.Cookie, expires time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.extended = append(j.extended, url)
	for i := range j.cookies {
		if j.cookies[i].Path == c.Path {
			j.cookies[i].Expires = expires
		}
	}
	return nil
}

func (j *jar) set(cs ...xsrf.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cookies = cs
}

type memStore struct {
	mu  sync.Mutex
	raw []byte
}

func (s *memStore) Load(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw, nil
}

func (s *memStore) Save(_ context.Context, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw = append([]byte(nil), raw...)
	return nil
}

const (
	origin    = "http://127.0.0.1:8888"
	page      = origin + "/notebooks/x.ipynb"
	saveURL   = origin + "/api/contents/x.ipynb"
	missing   = `{"message": "'_xsrf' argument missing from POST", "reason": null}`
	mismatch  = `{"message": "XSRF cookie does not match POST argument", "reason": null}`
	forbidden = `{"message": "Forbidden", "reason": null}`
)

var tab1 = at(1, page)

// at is a page in tab at url: its document is named after the tab, and it
// was loaded at url.
func at(tab int, url string) Sender {
	return Sender{TabID: tab, URL: url, Document: fmt.Sprintf("doc-%d", tab), LoadURL: url}
}

// send returns the reply as a page or the popup gets it.
func send(t *testing.T, e *Engine, s Sender, m Message) Reply {
	t.Helper()
	r := handleRaw(t, e, s, m)
	require.NotNil(t, r.Kept, "every reply tells the background how many rescues are kept")
	r.Kept = nil // the background takes it out; rescue_test.go checks it
	return r
}

// handleRaw returns the reply with the fields the background takes out.
func handleRaw(t *testing.T, e *Engine, s Sender, m Message) Reply {
	t.Helper()
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	var r Reply
	require.NoError(t, json.Unmarshal(e.Handle(context.Background(), s, raw), &r))
	return r
}

func newEngine(t *testing.T, j *jar) *Engine {
	t.Helper()
	e := New(j, nil, &memStore{}, nil)
	r := send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	require.Equal(t, ActionOK, r.Action, r.Error)
	return e
}

func failedMsg(body, sent string) Message {
	return Message{Type: TypeFailed, URL: saveURL, Method: "PUT", Status: 403,
		ContentType: "application/json", Body: body, SentToken: sent}
}

func TestMissingCookieRenewsThenRetries(t *testing.T) {
	j := &jar{}
	e := newEngine(t, j)

	r := send(t, e, tab1, failedMsg(missing, ""))
	require.Equal(t, ActionRenew, r.Action)
	assert.Equal(t, origin+"/tree", r.RenewURL)
	require.NotEmpty(t, r.Lease)

	j.set(xsrf.Cookie{Value: "fresh", Path: "/"})
	r = send(t, e, tab1, Message{Type: TypeRenewed, Lease: r.Lease, Status: 200, FinalURL: origin + "/tree"})
	assert.Equal(t, Reply{Action: ActionRetry, Token: "fresh"}, r)

	send(t, e, tab1, Message{Type: TypeOutcome, URL: saveURL, Method: "PUT", Status: 200, OK: true, Recovered: true})
	st := e.Status(context.Background(), 1, "")
	assert.True(t, st.Detected)
	assert.Equal(t, 1, st.Renewals)
	assert.Equal(t, 1, st.SavesRecovered)
	assert.NotZero(t, st.LastRenewal)
	assert.Equal(t, TokenStatus{Present: true, Path: "/", Count: 1}, st.Token)
}

func TestCookieAlreadyThereRetriesWithoutRenewal(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: `"httponly-or-renewed"`, Path: "/"}}}
	e := newEngine(t, j)
	r := send(t, e, tab1, failedMsg(missing, ""))
	assert.Equal(t, Reply{Action: ActionRetry, Token: "httponly-or-renewed"}, r)
}

func TestShadowedCookiePicksTheOneTornadoReads(t *testing.T) {
	j := &jar{cookies: []xsrf.Cookie{{Value: "right", Path: "/"}, {Value: "wrong", Path: "/notebooks/"}}}
	e := newEngine(t, j)
	r := send(t, e, tab1, failedMsg(mismatch, "wrong"))
	assert.Equal(t, Reply{Action: ActionRetry, Token: "right"}, r)

	r = send(t, e, tab1, failedMsg(mismatch, "right"))
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonMismatch}, r, "no loop when the right token was sent")
}

func TestNotXSRFAndLoginGiveUp(t *testing.T) {
	j := &jar{}
	e := newEngine(t, j)
	for _, body := range []string{`{"message": "Permission denied: x.ipynb"}`, `<html>nginx</html>`, ``, `{"message": "User is not authorized to write on resource: contents."}`} {
		r := send(t, e, tab1, failedMsg(body, ""))
		assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonNotXSRF}, r, body)
	}
	r := send(t, e, tab1, failedMsg(forbidden, "x"))
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonLogin}, r)
	assert.Zero(t, j.reads, "refusals that are not about XSRF never touch cookies")
	assert.Equal(t, ReasonLogin, e.Status(context.Background(), 1, "").LastProblem)
}

func TestRenewalLandingOnLoginGivesUp(t *testing.T) {
	e := newEngine(t, &jar{})
	r := send(t, e, tab1, failedMsg(missing, ""))
	require.Equal(t, ActionRenew, r.Action)
	r = send(t, e, tab1, Message{Type: TypeRenewed, Lease: r.Lease, Status: 200, FinalURL: origin + "/login?next=%2Ftree"})
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonLogin}, r)
}

func TestRenewalWithoutCookiePausesFurtherRenewals(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	e := New(&jar{}, nil, &memStore{}, func() time.Time { return now })
	send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	r := send(t, e, tab1, failedMsg(missing, ""))
	require.Equal(t, ActionRenew, r.Action)
	r = send(t, e, tab1, Message{Type: TypeRenewed, Lease: r.Lease, Status: 200, FinalURL: origin + "/tree"})
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonNoCookie}, r)

	r = send(t, e, tab1, failedMsg(missing, ""))
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonRecentFailure}, r)
	now = now.Add(retryPause + time.Second)
	r = send(t, e, tab1, failedMsg(missing, ""))
	assert.Equal(t, ActionRenew, r.Action)
}

func TestManyTabsOneRenewal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &jar{}
		e := newEngine(t, j)
		tab2 := at(2, origin+"/notebooks/y.ipynb")
		send(t, e, tab2, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})

		first := send(t, e, tab1, failedMsg(missing, ""))
		require.Equal(t, ActionRenew, first.Action)

		waiting := make(chan Reply)
		go func() { waiting <- send(t, e, tab2, failedMsg(missing, "")) }()
		synctest.Wait() // until the second tab waits, or has its reply
		select {
		case r := <-waiting:
			t.Fatalf("second tab did not wait for the renewal: %+v", r)
		default:
		}
		forged := send(t, e, tab2, Message{Type: TypeRenewed, Lease: first.Lease, Status: 200})
		assert.Equal(t, ActionGiveUp, forged.Action, "only the tab that was asked may report the renewal")

		j.set(xsrf.Cookie{Value: "fresh", Path: "/"})
		r := send(t, e, tab1, Message{Type: TypeRenewed, Lease: first.Lease, Status: 200, FinalURL: origin + "/tree"})
		assert.Equal(t, Reply{Action: ActionRetry, Token: "fresh"}, r)
		assert.Equal(t, Reply{Action: ActionRetry, Token: "fresh"}, <-waiting)
		assert.Equal(t, 1, e.Status(context.Background(), 1, "").Renewals)
	})
}

func TestCookieStoreErrorGivesUp(t *testing.T) {
	e := newEngine(t, &jar{err: errors.New("no permission")})
	r := send(t, e, tab1, failedMsg(missing, ""))
	assert.Equal(t, Reply{Action: ActionGiveUp, Reason: ReasonCookiesBlocked}, r)
	assert.Equal(t, "no permission", e.Status(context.Background(), 1, "").Token.Error)
}

func TestMessagesAreCheckedAgainstTheSender(t *testing.T) {
	e := newEngine(t, &jar{cookies: []xsrf.Cookie{{Value: "t", Path: "/"}}})
	other := failedMsg(missing, "")
	other.URL = "http://evil.example/api/contents/x.ipynb"
	r := send(t, e, tab1, other)
	assert.Equal(t, ActionGiveUp, r.Action)
	assert.Empty(t, r.Token, "never a token for another origin")

	r = send(t, e, at(1, "http://127.0.0.1:9999/notebooks/x.ipynb"), failedMsg(missing, ""))
	assert.Empty(t, r.Token, "another port is another server")
	r = send(t, e, at(7, page), failedMsg(missing, ""))
	assert.Empty(t, r.Token, "a tab that never said hello")

	r = send(t, e, tab1, Message{Type: TypeStatus, TabID: 1})
	assert.Contains(t, r.Error, "for the extension itself")
	r = send(t, e, Sender{TabID: -1, URL: "chrome-extension://x/popup.html", Extension: true}, failedMsg(missing, ""))
	assert.Contains(t, r.Error, "must come from a tab")

	r = send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/user/alice/"})
	assert.Contains(t, r.Error, "not under its base URL")
	r = send(t, e, tab1, Message{Type: TypeHello, Flavor: "evil", BaseURL: "/"})
	assert.Contains(t, r.Error, "unknown flavor")
}

func TestDecodeMessage(t *testing.T) {
	bad := []string{``, `null`, `[]`, `{"type":"hello"} {}`, `{"type":"nope"}`, `{"type":"hello","extra":1}`,
		`{"type":"failed","method":"put","url":"x"}`, `{"type":"failed","method":"PUT","status":-1}`,
		`{"type":"renewed"}`, `{"type":"failed","method":"PUT","body":"` + string(make([]byte, MaxBody+1)) + `"}`,
		string(make([]byte, MaxMessage+1))}
	for _, raw := range bad {
		_, err := DecodeMessage([]byte(raw), tab1)
		assert.ErrorIs(t, err, ErrMessage, "%.60q", raw)
	}
	m, err := DecodeMessage([]byte(`{"type":"failed","method":"PUT","status":403,"url":"u"}`), tab1)
	require.NoError(t, err)
	assert.Equal(t, 403, m.Status)
}

func TestStateSurvivesRestart(t *testing.T) {
	store := &memStore{}
	j := &jar{}
	e := New(j, nil, store, nil)
	send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"})
	send(t, e, tab1, Message{Type: TypeOutcome, URL: saveURL, Method: "PUT", OK: true, Recovered: true})

	again := New(j, nil, store, nil)
	require.NoError(t, again.Restore(context.Background()))
	st := again.Status(context.Background(), 1, page)
	assert.True(t, st.Detected)
	assert.Equal(t, 1, st.SavesRecovered)
	assert.False(t, again.Status(context.Background(), 2, "").Detected)
	assert.False(t, again.Status(context.Background(), 1, "http://127.0.0.1:8888.evil/").Detected, "the tab left Jupyter")
	assert.False(t, again.Status(context.Background(), 1, "https://example.org/").Detected)

	broken := New(j, nil, &memStore{raw: []byte("{not json")}, nil)
	assert.NoError(t, broken.Restore(context.Background()))
}

func TestBaseURLWithEncodedCharacters(t *testing.T) {
	e := New(&jar{}, nil, &memStore{}, nil)
	tab := at(4, origin+"/user/al%20ice/notebooks/x.ipynb")
	r := send(t, e, tab, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/user/al ice/"})
	require.Equal(t, ActionOK, r.Action, r.Error)
	m := failedMsg(missing, "")
	m.URL = origin + "/user/al%20ice/api/contents/x.ipynb"
	r = send(t, e, tab, m)
	assert.Equal(t, ActionRenew, r.Action, r.Error)
	assert.Equal(t, origin+"/user/al ice/tree", r.RenewURL)
	assert.True(t, e.Status(context.Background(), 4, tab.URL).Detected, "the popup finds the page by its encoded address")
}
