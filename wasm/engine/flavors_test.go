package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// TestEachFlavor walks every kind of server SaveKeeper knows through the
// two decisions that differ between them: which of two `_xsrf` cookies to
// retry with, and how to renew a missing one.
func TestEachFlavor(t *testing.T) {
	const o = "http://127.0.0.1:9999"
	root := xsrf.Cookie{Value: "on-root", Path: "/"}
	base := xsrf.Cookie{Value: "on-base", Path: "/user/alice/"}
	for _, c := range []struct {
		name, flavor string
		hub          bool
		message      string
		retryWith    string // the token of the two cookies the server reads
		renewURL     string // same-origin page a tab fetches, or "" for a navigation
	}{
		{"Notebook 6 / nbclassic", "classic", false, missing, "on-root", o + "/user/alice/tree"},
		{"JupyterLab 4", "lab", false, missing, "on-root", o + "/user/alice/lab"},
		{"Notebook 7", "notebook7", false, missing, "on-root", o + "/user/alice/tree"},
		{"JupyterHub 4.1+ single-user", "lab", true, hubMissing, "on-base", ""},
		{"JupyterHub 4.1+ classic UI (known from its refusal)", "classic", false, hubMissing, "on-base", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := &jar{cookies: []xsrf.Cookie{root, base}}
			nav := &tabOpener{finalURL: o + "/user/alice/lab", land: func() { j.set(xsrf.Cookie{Value: "fresh", Path: "/user/alice/"}) }}
			e := New(j, nav, &memStore{}, nil)
			tab := at(3, o+"/user/alice/notebooks/x.ipynb")
			r := send(t, e, tab, Message{Type: TypeHello, Flavor: c.flavor, BaseURL: "/user/alice/", Hub: c.hub})
			require.Equal(t, ActionOK, r.Action, r.Error)
			fail := Message{Type: TypeFailed, URL: o + "/user/alice/api/contents/x.ipynb", Method: "PUT", Status: 403,
				ContentType: "application/json", Body: c.message}

			fail.SentToken = "page-read-the-other"
			hub := c.renewURL == "" // the engine knows it, and tells the page
			assert.Equal(t, Reply{Action: ActionRetry, Token: c.retryWith, Hub: hub}, send(t, e, tab, fail), "cookie choice")

			j.set()
			fail.SentToken = ""
			r = send(t, e, tab, fail)
			if c.renewURL == "" {
				assert.Equal(t, Reply{Action: ActionRetry, Token: "fresh", Hub: true}, r, "renewed by a navigation")
				assert.Equal(t, []string{o + "/user/alice/"}, nav.visits)
			} else {
				assert.Equal(t, ActionRenew, r.Action)
				assert.Equal(t, c.renewURL, r.RenewURL, "renewal page")
				assert.Empty(t, nav.visits)
			}
		})
	}
}
