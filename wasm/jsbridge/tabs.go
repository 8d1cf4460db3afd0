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
	tab, err := Await(ctx, p)
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
	defer closeTab(tabs, idValue)
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

// closeTab removes the tab, even when the visit's context has ended.
func closeTab(tabs, id safejs.Value) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p, err := tabs.Call("remove", id); err == nil {
		_, _ = Await(ctx, p) // a tab the user closed already is fine
	}
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
