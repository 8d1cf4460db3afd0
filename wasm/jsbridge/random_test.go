//go:build js && wasm

package jsbridge

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandomBytesComeFromCrypto(t *testing.T) {
	a, b := make([]byte, 32), make([]byte, 32)
	require.NoError(t, RandomBytes(a))
	require.NoError(t, RandomBytes(b))
	assert.NotEqual(t, a, b)
	assert.False(t, bytes.Equal(a, make([]byte, 32)), "not left zero")
}
