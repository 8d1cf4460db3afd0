//go:build js && wasm

package jsbridge

import (
	"context"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeChrome installs a globalThis.chrome with the tabs and
// storage.session calls Tabs uses, recording them in globalThis.calls.
// A created tab loads `finalURL` after two polls.
const fakeChrome = `(() => {
  const calls = globalThis.calls = [];
  const session = globalThis.sessionItems = globalThis.sessionItems || {};
  const tabs = {};
  let next = 41;
  globalThis.chrome = {
    tabs: {
      async create({ url, active }) { const id = next++; calls.push('create ' + url + ' ' + active); tabs[id] = { id, polls: 0, url }; return { id }; },
      async get(id) { const t = tabs[id]; if (!t) throw new Error('No tab with id: ' + id); t.polls++;
        return t.polls < 3 ? { id, status: 'loading', url: '', pendingUrl: t.url } : { id, status: 'complete', url: globalThis.finalURL }; },
      async remove(id) { calls.push('remove ' + id); if (!tabs[id] && id < 41) return; delete tabs[id]; },
    },
    storage: { session: {
      async get() { return { ...session }; },
      async set(items) { Object.assign(session, items); },
      async remove(key) { delete session[key]; },
    } },
  };
})()`

func install(t *testing.T, finalURL string, leftovers ...string) {
	t.Helper()
	items, err := safejs.ValueOf(map[string]any{})
	require.NoError(t, err)
	for _, k := range leftovers {
		require.NoError(t, items.Set(k, true))
	}
	require.NoError(t, safejs.Global().Set("sessionItems", items))
	require.NoError(t, safejs.Global().Set("finalURL", finalURL))
	_, err = safejs.Global().Call("eval", fakeChrome)
	require.NoError(t, err)
}

func calls(t *testing.T) []string {
	t.Helper()
	v, err := safejs.Global().Get("calls")
	require.NoError(t, err)
	n, err := v.Length()
	require.NoError(t, err)
	var out []string
	for i := range n {
		c, err := v.Index(i)
		require.NoError(t, err)
		s, err := c.String()
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

func sessionKeys(t *testing.T) []string {
	t.Helper()
	v, err := safejs.Global().Get("sessionItems")
	require.NoError(t, err)
	keys, err := objectKeys(v)
	require.NoError(t, err)
	return keys
}

func TestVisitOpensWaitsAndCloses(t *testing.T) {
	install(t, "http://127.0.0.1:8000/user/alice/lab")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	final, err := Tabs{}.Visit(ctx, "http://127.0.0.1:8000/user/alice/")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8000/user/alice/lab", final)
	assert.Equal(t, []string{"create http://127.0.0.1:8000/user/alice/ false", "remove 41"}, calls(t))
	assert.Empty(t, sessionKeys(t), "the tab is forgotten once closed")
}

func TestVisitClosesTheTabWhenItTimesOut(t *testing.T) {
	install(t, "https://elsewhere.example/") // never a page of the server's origin
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	_, err := Tabs{}.Visit(ctx, "http://127.0.0.1:8000/user/alice/")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []string{"create http://127.0.0.1:8000/user/alice/ false", "remove 41"}, calls(t))
	assert.Empty(t, sessionKeys(t))
}

func TestCloseLeftoverTabs(t *testing.T) {
	install(t, "", tabKeyPrefix+"7", tabKeyPrefix+"9", "savekeeper.other", tabKeyPrefix+"x")
	n, err := CloseLeftoverTabs(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.ElementsMatch(t, []string{"remove 7", "remove 9"}, calls(t))
	assert.ElementsMatch(t, []string{"savekeeper.other", tabKeyPrefix + "x"}, sessionKeys(t))
}
