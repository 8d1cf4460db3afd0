package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPageJoins joins the page layer's parts and has node parse the
// result as the browser will: one script, every part in order.
func TestPageJoins(t *testing.T) {
	page, err := joinPage("../../extension/page")
	require.NoError(t, err)
	text := string(page)
	last := -1
	for _, p := range pageParts {
		at := strings.Index(text, "// ==== "+p+"\n")
		require.Greater(t, at, last, "%s is joined after the part before it", p)
		last = at
	}
	file := filepath.Join(t.TempDir(), "page.js")
	require.NoError(t, os.WriteFile(file, page, 0o644))
	out, err := exec.Command("node", "--check", file).CombinedOutput()
	require.NoError(t, err, "node --check page.js (node is needed by make check): %s", out)
}

// TestPagePartsAreListed: a part on disk that pageParts does not name
// stops the build rather than being left out of page.js.
func TestPagePartsAreListed(t *testing.T) {
	dir := t.TempDir()
	for _, p := range pageParts {
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte("// "+p+"\n"), 0o644))
	}
	_, err := joinPage(dir)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stray.js"), []byte("// stray\n"), 0o644))
	_, err = joinPage(dir)
	assert.ErrorContains(t, err, "stray.js")
}

// TestNoPartOverLimit keeps each part readable in one sitting.
func TestNoPartOverLimit(t *testing.T) {
	for _, p := range pageParts {
		src, err := os.ReadFile(filepath.Join("../../extension/page", p))
		require.NoError(t, err)
		lines := strings.Count(string(src), "\n")
		assert.LessOrEqual(t, lines, 300, "extension/page/%s has %d lines", p, lines)
	}
}
