package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contentsServer is a fake Jupyter server with the classic UI (fakeJupyter)
// whose contents API takes saves with its XSRF check, as Jupyter's does,
// and keeps a log of every request that is not a GET.
type contentsServer struct {
	*httptest.Server
	mu       sync.Mutex
	written  []string // the paths a save created or changed
	sent     []string // "METHOD path body" of every request but GETs
	readOnly bool     // the top folder is not writable (set before use)
}

// newContentsServer starts a contentsServer that logs in with token;
// checkXSRF false is disable_check_xsrf.
func newContentsServer(token string, checkXSRF bool) *contentsServer {
	cs := &contentsServer{}
	page := fakeJupyter(token, "")
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, isAPI := strings.CutPrefix(r.URL.Path, "/api/contents")
		if r.Method == http.MethodGet || !isAPI {
			page.Config.Handler.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		defer cs.mu.Unlock()
		cs.sent = append(cs.sent, r.Method+" "+r.URL.Path+" "+string(body))
		cookie, err := r.Cookie("_xsrf")
		sent := r.Header.Get("X-XSRFToken") + r.URL.Query().Get("_xsrf")
		if checkXSRF && (err != nil || sent != cookie.Value) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message": "'_xsrf' argument missing from POST", "reason": null}`))
			return
		}
		path = strings.Trim(path, "/")
		var model struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &model)
		switch {
		case r.Method == http.MethodPut && path == "" && model.Type == "directory":
			// The top folder exists: a save of it as a folder changes nothing.
			w.WriteHeader(http.StatusCreated)
			_, _ = fmt.Fprintf(w, `{"name": "", "path": "", "type": "directory", "content": null, "writable": %t}`, !cs.readOnly)
		case r.Method == http.MethodPut:
			cs.written = append(cs.written, path)
			name := path[strings.LastIndex(path, "/")+1:]
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]any{"name": name, "path": path, "type": model.Type})
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	return cs
}

// The save checks write nothing on the server, so that nothing (no file, no
// .ipynb_checkpoints folder the server makes when a file is deleted) is
// left for anyone to remove.
func TestSavesWriteNothing(t *testing.T) {
	for _, checkXSRF := range []bool{true, false} {
		cs := newContentsServer("tok", checkXSRF)
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{cs.URL + "/tree"}, env(map[string]string{tokenEnv: "tok"}), empty(), &out, &errOut)
		cs.Close()
		if checkXSRF {
			assert.Equal(t, 0, code, out.String()+errOut.String())
			assert.Contains(t, out.String(), "a save with X-XSRFToken from the cookie was accepted")
			assert.Contains(t, out.String(), "a save without it was refused")
		} else {
			assert.Equal(t, 1, code, out.String()+errOut.String())
			assert.Contains(t, out.String(), "the XSRF check is off")
		}
		assert.Empty(t, cs.written, "the saves wrote on the server")
		require.NotEmpty(t, cs.sent)
		for _, s := range cs.sent {
			assert.Equal(t, `PUT /api/contents/ {"type":"directory"}`, s, "only saves of the top folder, which change nothing")
		}
	}
}

// A root the server's user may not write to still takes a save of the
// folder: the check says that saving a file there would fail, and why.
func TestSavesOnAReadOnlyRoot(t *testing.T) {
	cs := newContentsServer("tok", true)
	cs.readOnly = true
	defer cs.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{cs.URL + "/tree"}, env(map[string]string{tokenEnv: "tok"}), empty(), &out, &errOut)
	assert.Equal(t, 0, code, "a warning, not a problem of the XSRF setup: %s", out.String()+errOut.String())
	assert.Contains(t, out.String(), "passed the XSRF check (HTTP 201), but the server says its top folder is not writable")
	assert.NotContains(t, out.String(), "a save with X-XSRFToken from the cookie was accepted")
}
