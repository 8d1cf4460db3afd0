//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPromiseRoundTrip(t *testing.T) {
	ctx := context.Background()
	p, err := NewPromise(func() (any, error) { return "hello", nil })
	require.NoError(t, err)
	v, err := Await(ctx, p)
	require.NoError(t, err)
	s, err := v.String()
	require.NoError(t, err)
	assert.Equal(t, "hello", s)

	p, err = NewPromise(func() (any, error) { return nil, errors.New("boom") })
	require.NoError(t, err)
	_, err = Await(ctx, p)
	assert.EqualError(t, err, "boom")
}

func TestAwaitNotAPromise(t *testing.T) {
	_, err := Await(context.Background(), safejs.Null())
	assert.ErrorContains(t, err, "not a Promise")
}

func TestAwaitHonoursContext(t *testing.T) {
	ctor, err := safejs.Global().Get("Promise")
	require.NoError(t, err)
	noop, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any { return nil })
	require.NoError(t, err)
	defer noop.Release()
	never, err := ctor.New(noop)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = Await(ctx, never)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestServeChecksArguments(t *testing.T) {
	var got, from []byte
	require.NoError(t, Serve("testEngine", func(_ context.Context, raw, sender []byte) []byte {
		got, from = raw, sender
		return []byte(`{"action":"ok"}`)
	}))
	fn, err := safejs.Global().Get("testEngine")
	require.NoError(t, err)

	p, err := fn.Invoke(`{"type":"hello"}`, `{"tabId":3}`)
	require.NoError(t, err)
	v, err := Await(context.Background(), p)
	require.NoError(t, err)
	s, _ := v.String()
	assert.JSONEq(t, `{"action":"ok"}`, s)
	assert.Equal(t, `{"type":"hello"}`, string(got))
	assert.Equal(t, `{"tabId":3}`, string(from))

	p, err = fn.Invoke(`{"type":"hello"}`, 3, "http://127.0.0.1/", false)
	require.NoError(t, err)
	_, err = Await(context.Background(), p)
	assert.ErrorContains(t, err, "usage", "the sender is one JSON string")

	p, err = fn.Invoke("only one argument")
	require.NoError(t, err)
	_, err = Await(context.Background(), p)
	assert.ErrorContains(t, err, "usage")
}

func TestCookiesWithoutChromeIsAnError(t *testing.T) {
	_, err := Cookies{}.XSRFCookies(context.Background(), "http://127.0.0.1/")
	assert.ErrorContains(t, err, "chrome")
}
