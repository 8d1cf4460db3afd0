package xsrf

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderValue(t *testing.T) {
	ok := map[string]string{
		"2|1a2b|3c4d|1700000000": "2|1a2b|3c4d|1700000000",
		`"quoted"`:               "quoted",
		"  spaced ":              "spaced",
		"YWJj==":                 "YWJj==",
	}
	for in, want := range ok {
		got, good := HeaderValue(in)
		assert.True(t, good, in)
		assert.Equal(t, want, got, in)
	}
	bad := []string{"", `""`, "a b", "a;b", "a,b", "tab\there", "caf\u00e9", "\x00", `"a"b"`, string(make([]byte, 5000))}
	for _, in := range bad {
		_, good := HeaderValue(in)
		assert.False(t, good, "%q", in)
	}
}

func TestServerReads(t *testing.T) {
	root := Cookie{Value: "root-token", Path: "/"}
	user := Cookie{Value: "user-token", Path: "/user/alice/"}
	broken := Cookie{Value: "", Path: "/user/"}

	c, v, ok := ServerReads([]Cookie{root, user}, ReadLast)
	require.True(t, ok)
	assert.Equal(t, root, c, "tornado reads the least specific path, sent last")
	assert.Equal(t, "root-token", v)

	c, v, ok = ServerReads([]Cookie{root, broken, user}, ReadFirstValid)
	require.True(t, ok)
	assert.Equal(t, user, c, "the hub reads the first valid one, the most specific")
	assert.Equal(t, "user-token", v)

	_, _, ok = ServerReads(nil, ReadLast)
	assert.False(t, ok)
	_, _, ok = ServerReads([]Cookie{user, broken}, ReadFirstValid)
	assert.True(t, ok)
	_, _, ok = ServerReads([]Cookie{{Value: "", Path: "/"}}, ReadLast)
	assert.False(t, ok, "an empty cookie is no token")

	assert.Equal(t, []Cookie{user, broken, root}, SendOrder([]Cookie{root, broken, user}))
}

func TestClassify(t *testing.T) {
	const js = "application/json"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        Kind
	}{
		{"missing", 403, js, `{"message": "'_xsrf' argument missing from POST", "reason": null}`, Missing},
		{"mismatch", 403, js, `{"message": "XSRF cookie does not match POST argument", "reason": null}`, Mismatch},
		{"invalid format", 403, js, `{"message": "'_xsrf' argument has invalid format", "reason": null}`, InvalidFormat},
		{"hub missing from PUT", 403, js, `{"message": "'_xsrf' argument missing from PUT", "reason": null}`, HubMissing},
		{"hub missing from GET", 403, js, `{"message": "'_xsrf' argument missing from GET"}`, HubMissing},
		{"hub mismatch PUT", 403, js, `{"message": "XSRF cookie does not match PUT argument", "reason": null}`, HubMismatch},
		{"forbidden", 403, js, `{"message": "Forbidden", "reason": null}`, LoginRequired},
		{"json as text/html (old servers)", 403, "text/html; charset=UTF-8", `{"message": "'_xsrf' argument missing from POST"}`, Missing},
		{"charset parameter", 403, "application/json; charset=UTF-8", `{"message": "'_xsrf' argument missing from POST"}`, Missing},
		{"permission denied", 403, js, `{"message": "Permission denied: x.ipynb", "reason": null}`, NotXSRF},
		{"not authorized", 403, js, `{"message": "User is not authorized to write on resource: contents.", "reason": null}`, NotXSRF},
		{"blocking cross origin", 403, js, `{"message": "Blocking Cross Origin request from http://evil.example."}`, NotXSRF},
		{"html body", 403, "text/html", `<html><body><h1>403 Forbidden</h1>nginx</body></html>`, NotXSRF},
		{"empty body", 403, js, ``, NotXSRF},
		{"json without message", 403, js, `{"reason": "x"}`, NotXSRF},
		{"message not a string", 403, js, `{"message": 42}`, NotXSRF},
		{"json array", 403, js, `["'_xsrf' argument missing from POST"]`, NotXSRF},
		{"truncated json", 403, js, `{"message": "'_xsrf' argument missing from PO`, NotXSRF},
		{"unknown method", 403, js, `{"message": "'_xsrf' argument missing from BREW"}`, NotXSRF},
		{"message with suffix", 403, js, `{"message": "'_xsrf' argument missing from POST please"}`, NotXSRF},
		{"other status", 500, js, `{"message": "'_xsrf' argument missing from POST"}`, NotXSRF},
		{"ok status", 200, js, `{"message": "Forbidden"}`, NotXSRF},
		{"image type", 403, "image/png", `{"message": "Forbidden"}`, NotXSRF},
		{"huge body", 403, js, `{"message": "Forbidden", "pad": "` + string(make([]byte, 70000)) + `"}`, NotXSRF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.status, tt.contentType, []byte(tt.body))
			assert.Equal(t, tt.want, got.Kind)
		})
	}
	assert.Equal(t, "'_xsrf' argument missing from POST",
		Classify(403, js, []byte(`{"message": "'_xsrf' argument missing from POST"}`)).Message)
}

func TestRenewalFor(t *testing.T) {
	r, err := RenewalFor("http://127.0.0.1:8888", "/", Classic, false)
	require.NoError(t, err)
	assert.Equal(t, Renewal{URL: "http://127.0.0.1:8888/tree"}, r)

	r, err = RenewalFor("http://localhost:8000", "/user/alice/", Lab, false)
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:8000/user/alice/lab", r.URL)

	r, err = RenewalFor("http://[::1]:9000", "/nb/", Notebook7, false)
	require.NoError(t, err)
	assert.Equal(t, "http://[::1]:9000/nb/tree", r.URL)

	r, err = RenewalFor("https://hub.example.edu", "/user/alice/", Lab, true)
	require.NoError(t, err)
	assert.Equal(t, Renewal{URL: "https://hub.example.edu/user/alice/", Navigate: true}, r)

	for _, origin := range []string{"", "ftp://x", "http://", "http://x/path", "javascript:alert(1)", "http://x?q"} {
		_, err := RenewalFor(origin, "/", Classic, false)
		assert.Error(t, err, origin)
	}
	for _, base := range []string{"", "user", "/user", "//evil.example/", "/a/../b/", "/a?b/", "/a#/", `/a\b/`} {
		_, err := RenewalFor("http://127.0.0.1:1", base, Classic, false)
		assert.ErrorIs(t, err, ErrBaseURL, base)
	}
}

func TestIsLoginPage(t *testing.T) {
	assert.True(t, IsLoginPage("http://127.0.0.1:8888/login?next=%2Ftree", "/"))
	assert.True(t, IsLoginPage("http://h/user/a/login", "/user/a/"))
	assert.True(t, IsLoginPage("http://h/hub/login?next=x", "/user/a/"))
	assert.False(t, IsLoginPage("http://127.0.0.1:8888/tree", "/"))
	assert.False(t, IsLoginPage("http://127.0.0.1:8888/notebooks/login.ipynb", "/"))
	assert.False(t, IsLoginPage("%%", "/"))
}

func TestParseFlavor(t *testing.T) {
	for _, s := range []string{"classic", "lab", "notebook7"} {
		f, ok := ParseFlavor(s)
		assert.True(t, ok)
		assert.Equal(t, Flavor(s), f)
	}
	_, ok := ParseFlavor("hub")
	assert.False(t, ok)
}
