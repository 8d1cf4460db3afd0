package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

var extension = Sender{TabID: -1, URL: "chrome-extension://abc/", Extension: true}

func TestTendExtendsTheCookieTheServerReadsWhenItExpiresSoon(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	j := &jar{cookies: []xsrf.Cookie{
		{Value: "page-only", Path: "/notebooks/", Expires: now.Add(time.Minute)},
		{Value: "read", Path: "/", Expires: now.Add(time.Minute)},
	}}
	e := New(j, nil, &memStore{}, func() time.Time { return now })
	require.Equal(t, ActionOK, send(t, e, tab1, Message{Type: TypeHello, Flavor: "classic", BaseURL: "/"}).Action)

	r := send(t, e, extension, Message{Type: TypeTend})
	assert.Equal(t, ActionOK, r.Action, r.Error)
	assert.Equal(t, []string{origin + "/"}, j.extended)
	assert.Equal(t, now.Add(CookieLifetime), j.cookies[1].Expires, "the cookie tornado reads gets 30 more days")
	assert.Equal(t, now.Add(time.Minute), j.cookies[0].Expires, "a shadowing cookie is left to expire")

	send(t, e, extension, Message{Type: TypeTend})
	assert.Len(t, j.extended, 1, "a cookie with 30 days left is not touched")
}

func TestTendLeavesSessionCookiesHubsAndDistantExpiriesAlone(t *testing.T) {
	now := time.Now()
	for name, c := range map[string]struct {
		cookie xsrf.Cookie
		hub    bool
	}{
		"session cookie": {cookie: xsrf.Cookie{Value: "v", Path: "/"}},
		"two days left":  {cookie: xsrf.Cookie{Value: "v", Path: "/", Expires: now.Add(48 * time.Hour)}},
		"hub":            {cookie: xsrf.Cookie{Value: "v", Path: "/", Expires: now.Add(time.Minute)}, hub: true},
	} {
		t.Run(name, func(t *testing.T) {
			j := &jar{cookies: []xsrf.Cookie{c.cookie}}
			e := New(j, nil, &memStore{}, nil)
			send(t, e, tab1, Message{Type: TypeHello, Flavor: "lab", BaseURL: "/", Hub: c.hub})
			assert.Equal(t, 0, e.Tend(context.Background()))
			assert.Empty(t, j.extended)
		})
	}
}

func TestTendIsOnlyForTheExtension(t *testing.T) {
	e := newEngine(t, &jar{})
	r := send(t, e, tab1, Message{Type: TypeTend})
	assert.Contains(t, r.Error, "tend is for the extension itself")
}
