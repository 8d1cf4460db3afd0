package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStampManifest(t *testing.T) {
	src, err := os.ReadFile("../../manifest.json")
	require.NoError(t, err)

	for _, b := range browsers {
		out, err := stampManifest(src, "1.2.3", b)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m))
		assert.Equal(t, "1.2.3", m["version"])
		bg := m["background"].(map[string]any)
		csp := m["content_security_policy"].(map[string]any)
		assert.Equal(t, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'", csp["extension_pages"])
		assert.Equal(t, "not_allowed", m["incognito"], "no private window: kept saves and tokens would cross into the normal profile")
		assert.NotContains(t, m, "web_accessible_resources", "no page can load the extension's files")
		// No page may connect (Chrome's default without the key); another
		// extension could, but nothing listens (TestNoExternalListener). An
		// empty key is what Chromium warns about ("nothing will be able to
		// connect"), and Firefox does not know it.
		assert.NotContains(t, m, "externally_connectable")
		assert.Equal(t, "https://github.com/savekeeper/savekeeper", m["homepage_url"])
		switch b.name {
		case "chrome":
			assert.Equal(t, "background.js", bg["service_worker"])
			assert.NotContains(t, bg, "scripts")
			assert.NotContains(t, m, "browser_specific_settings")
			assert.NotContains(t, m, "author", "Chrome ignores it, and wants an object where Firefox wants a string")
			assert.Equal(t, "123", m["minimum_chrome_version"], "popup.css uses light-dark(), new in Chrome 123")
		case "firefox":
			assert.Equal(t, []any{"wasm_exec.js", "bodies.js", "sites.js", "notify.js", "reload.js", "background.js"}, bg["scripts"])
			assert.NotContains(t, bg, "service_worker")
			gecko := m["browser_specific_settings"].(map[string]any)["gecko"].(map[string]any)
			assert.Equal(t, "savekeeper@savekeeper.dev", gecko["id"])
			assert.NotContains(t, m["browser_specific_settings"], "gecko_android", "only desktop Firefox is tested")
			assert.Equal(t, "The SaveKeeper authors", m["author"])
		}
	}
}

// TestSourceManifest checks the one manifest both builds come from.
func TestSourceManifest(t *testing.T) {
	src, err := os.ReadFile("../../manifest.json")
	require.NoError(t, err)
	var m struct {
		Version    string   `json:"version"`
		Perms      []string `json:"permissions"`
		Hosts      []string `json:"host_permissions"`
		Optional   []string `json:"optional_host_permissions"`
		Background struct {
			ServiceWorker string   `json:"service_worker"`
			Scripts       []string `json:"scripts"`
		} `json:"background"`
		ContentScripts []struct {
			JS    []string `json:"js"`
			World string   `json:"world"`
			RunAt string   `json:"run_at"`
		} `json:"content_scripts"`
	}
	require.NoError(t, json.Unmarshal(src, &m))
	assert.Equal(t, "0.0.0", m.Version, "the version is stamped at package time")
	assert.Equal(t, []string{"http://localhost/*", "http://127.0.0.1/*", "http://[::1]/*"}, m.Hosts)
	assert.ElementsMatch(t, []string{"activeTab", "alarms", "cookies", "scripting", "storage"}, m.Perms, "permissions stay minimal")
	assert.Equal(t, []string{"http://*/*", "https://*/*"}, m.Optional, "other sites are asked for one at a time")
	require.Len(t, m.ContentScripts, 2)
	assert.Equal(t, "ISOLATED", m.ContentScripts[0].World, "the relay must listen before the page layer runs")
	assert.Equal(t, "MAIN", m.ContentScripts[1].World)
	for _, cs := range m.ContentScripts {
		assert.Equal(t, "document_start", cs.RunAt)
	}
	assert.NotEqual(t, m.ContentScripts[0].JS, m.ContentScripts[1].JS, "Chromium injects a file once per frame")
}

// TestNoExternalListener checks that no script of the extension listens for
// messages or connections from other extensions or from web pages: with
// none, whatever they send is answered by no one.
func TestNoExternalListener(t *testing.T) {
	files, err := filepath.Glob("../../extension/*.js")
	require.NoError(t, err)
	parts, err := filepath.Glob("../../extension/page/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, parts)
	files = append(files, parts...)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, api := range []string{"onMessageExternal", "onConnectExternal", "onUserScriptMessage"} {
			assert.NotContains(t, string(src), api, "%s listens for %s", f, api)
		}
	}
}
