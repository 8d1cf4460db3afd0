package xsrf

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeaderValueTable checks HeaderValue on the table the page layer's
// own cookie parser is checked on too (e2e/unit/tokens.test.mjs): the
// engine and the page agree on which cookie values can be a token.
func TestHeaderValueTable(t *testing.T) {
	data, err := os.ReadFile("testdata/header-values.json")
	require.NoError(t, err)
	var table []struct{ Name, Raw, Want string }
	require.NoError(t, json.Unmarshal(data, &table))
	require.GreaterOrEqual(t, len(table), 20)
	for _, c := range table {
		got, ok := HeaderValue(c.Raw)
		assert.Equal(t, c.Want, got, c.Name)
		assert.Equal(t, c.Want != "", ok, c.Name)
	}
}
