package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The stores' limits on what the manifest says.
const (
	// summaryLimit is the Chrome Web Store's limit on the manifest's
	// description, which it shows as the summary (addons.mozilla.org
	// allows 250).
	summaryLimit = 132
	// nameLimit is addons.mozilla.org's limit on the name (Chrome's is 75).
	nameLimit = 50
)

// TestIcons checks the icons the manifest names: each is a square PNG of
// its size, and the 128 px one has the stores' padding: its art fits in
// the middle 96×96, with 16 px transparent around it.
func TestIcons(t *testing.T) {
	src, err := os.ReadFile("../../manifest.json")
	require.NoError(t, err)
	var m struct {
		Icons map[string]string `json:"icons"`
	}
	require.NoError(t, json.Unmarshal(src, &m))
	require.Contains(t, m.Icons, "128")
	for size, file := range m.Icons {
		f, err := os.Open(filepath.Join("../../extension", file))
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, file)
		assert.Equal(t, size+"x"+size, fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()), file)
		if size == "128" {
			art := opaqueBounds(img)
			assert.True(t, art.In(image.Rect(16, 16, 112, 112)), "the art of %s is at %v: it must leave 16 px clear on each side", file, art)
			assert.GreaterOrEqual(t, art.Dx(), 90, "the art of %s should fill the 96 px it has", file)
		}
	}

	// The check can fail: art that fills the square, as the first icon did.
	full := image.NewNRGBA(image.Rect(0, 0, 128, 128))
	for i := range full.Pix {
		full.Pix[i] = 0xff
	}
	assert.False(t, opaqueBounds(full).In(image.Rect(16, 16, 112, 112)))
}

// opaqueBounds is the smallest rectangle holding every pixel of img that
// is not fully transparent.
func opaqueBounds(img image.Image) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// TestStoreSummary checks the name and description of every locale against
// the stores' limits, and that the store listing (docs/store/listing.md)
// gives the same summary as the manifest's English description.
func TestStoreSummary(t *testing.T) {
	locales, err := filepath.Glob("../../extension/_locales/*/messages.json")
	require.NoError(t, err)
	require.NotEmpty(t, locales)
	var english string
	for _, file := range locales {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		var msgs map[string]struct {
			Message string `json:"message"`
		}
		require.NoError(t, json.Unmarshal(src, &msgs), file)
		name, summary := msgs["name"].Message, msgs["description"].Message
		require.NotEmpty(t, name, file)
		require.NotEmpty(t, summary, file)
		assert.LessOrEqual(t, utf8.RuneCountInString(name), nameLimit, "%s: the name", file)
		assert.LessOrEqual(t, utf8.RuneCountInString(summary), summaryLimit, "%s: the summary %q", file, summary)
		assert.NotRegexp(t, `_xsrf|XSRF|\b403\b`, summary, "%s: the summary is for people who do not know the error's jargon", file)
		if filepath.Base(filepath.Dir(file)) == "en" {
			english = summary
		}
	}
	require.NotEmpty(t, english, "no English locale")

	listing, err := os.ReadFile("../../docs/store/listing.md")
	require.NoError(t, err)
	assert.Equal(t, english, listingSection(listing, "Summary"), "docs/store/listing.md's summary and the manifest's description differ")
}

// listingSection returns the text of the markdown section "## heading" in
// doc, trimmed.
func listingSection(doc []byte, heading string) string {
	re := regexp.MustCompile(`(?m)^## ` + regexp.QuoteMeta(heading) + `\s*$`)
	loc := re.FindIndex(doc)
	if loc == nil {
		return ""
	}
	rest := doc[loc[1]:]
	if end := bytes.Index(rest, []byte("\n## ")); end >= 0 {
		rest = rest[:end]
	}
	return strings.TrimSpace(string(rest))
}
