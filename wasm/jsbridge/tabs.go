//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hack-pad/safejs"
)

// Tabs opens background tabs through chrome.tabs. It implements
// engine.Navigator.
type Tabs struct{}

// visitPoll is how often Visit looks at the tab it opened.
const visitPoll = 150 * time.Millisecond

// Visit opens url in a new inactive tab, waits until the tab has loaded a
// page of url's origin or ctx ends, and closes the tab in every case. It
// returns the URL the tab ended at.
func (Tabs) Visit(ctx context.Context, url string) (string, error) {
	tabs, err := api("tabs")
	if err != nil {
		return "", err
	}
	props, err := safejs.ValueOf(map[string]any{"url": url, "active": false})
	if err != nil {
		return "", err
	}
	p, err := tabs.Call("create", props)
	if err != nil {
		return "", err
	}
	// Wait for the tab on a context of its own: a tab created after ctx
	// ended would otherwise be left open.
	createCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tab, err := Await(createCtx, p)
	if err != nil {
		return "", fmt.Errorf("tabs.create: %w", err)
	}
	idValue, err := tab.Get("id")
	if err != nil {
		return "", err
	}
	id, err := idValue.Int()
	if err != nil {
		return "", err
	}
	remember(ctx, id)
	defer closeTab(tabs, idValue, id)
	origin := originPrefix(url)
	for {
		p, err := tabs.Call("get", id)
		if err != nil {
			return "", err
		}
		t, err := Await(ctx, p)
		if err != nil {
			return "", fmt.Errorf("tabs.get: %w", err)
		}
		at := str(t, "url")
		if str(t, "status") == "complete" && strings.HasPrefix(at, origin) && str(t, "pendingUrl") == "" {
			return at, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(visitPoll):
		}
	}
}

// closeTab removes the tab, even when the visit's context has ended, and
// forgets it.
func closeTab(tabs, idValue safejs.Value, id int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p, err := tabs.Call("remove", idValue); err == nil {
		_, _ = Await(ctx, p) // a tab the user closed already is fine
	}
	forget(ctx, id)
}

// tabKeyPrefix names the chrome.storage.session entries that list the
// renewal tabs open now, so that a background stopped in the middle of a
// visit (Chrome stops idle service workers) closes them when it starts.
const tabKeyPrefix = "savekeeper.renewalTab."

func sessionStorage() (safejs.Value, error) {
	storage, err := api("storage")
	if err != nil {
		return safejs.Undefined(), err
	}
	return storage.Get("session")
}

func remember(ctx context.Context, id int) {
	session, err := sessionStorage()
	if err != nil {
		return
	}
	items, err := safejs.ValueOf(map[string]any{fmt.Sprint(tabKeyPrefix, id): true})
	if err != nil {
		return
	}
	if p, err := session.Call("set", items); err == nil {
		_, _ = Await(ctx, p)
	}
}

func forget(ctx context.Context, id int) {
	session, err := sessionStorage()
	if err != nil {
		return
	}
	if p, err := session.Call("remove", fmt.Sprint(tabKeyPrefix, id)); err == nil {
		_, _ = Await(ctx, p)
	}
}

// CloseLeftoverTabs closes the renewal tabs an earlier run of the
// background opened and could not close, and returns how many it found.
func CloseLeftoverTabs(ctx context.Context) (int, error) {
	session, err := sessionStorage()
	if err != nil {
		return 0, err
	}
	tabs, err := api("tabs")
	if err != nil {
		return 0, err
	}
	p, err := session.Call("get", safejs.Null())
	if err != nil {
		return 0, err
	}
	items, err := Await(ctx, p)
	if err != nil {
		return 0, err
	}
	keys, err := objectKeys(items)
	if err != nil {
		return 0, err
	}
	found := 0
	for _, key := range keys {
		var id int
		if _, err := fmt.Sscanf(key, tabKeyPrefix+"%d", &id); err != nil || fmt.Sprint(tabKeyPrefix, id) != key {
			continue
		}
		idValue, err := safejs.ValueOf(id)
		if err != nil {
			continue
		}
		found++
		closeTab(tabs, idValue, id)
	}
	return found, nil
}

// objectKeys returns Object.keys(v).
func objectKeys(v safejs.Value) ([]string, error) {
	object, err := safejs.Global().Get("Object")
	if err != nil {
		return nil, err
	}
	list, err := object.Call("keys", v)
	if err != nil {
		return nil, err
	}
	n, err := list.Length()
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, n)
	for i := range n {
		k, err := list.Index(i)
		if err != nil {
			return nil, err
		}
		s, err := k.String()
		if err != nil {
			return nil, err
		}
		keys = append(keys, s)
	}
	return keys, nil
}

// originPrefix returns "scheme://host[:port]/" of an absolute URL.
func originPrefix(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host + "/"
}
