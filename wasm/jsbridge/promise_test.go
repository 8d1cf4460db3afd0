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

func TestPanicRejectsThePromise(t *testing.T) {
	p, err := NewPromise(func() (any, error) { panic("boom") })
	require.NoError(t, err)
	_, err = Await(context.Background(), p)
	assert.EqualError(t, err, "panic: boom")

	p, err = NewPromise(func() (any, error) {
		var m map[string]int
		m["x"] = 1 // a runtime error, not a value the code chose
		return nil, nil
	})
	require.NoError(t, err)
	_, err = Await(context.Background(), p)
	assert.ErrorContains(t, err, "panic: assignment to entry in nil map")
}

// TestServeKeepsAnsweringAfterAPanic: a handler that panics on one
// message rejects that call only; the program goes on and answers the
// next ones.
func TestServeKeepsAnsweringAfterAPanic(t *testing.T) {
	require.NoError(t, Serve("testPanickingEngine", func(_ context.Context, raw, _ []byte) []byte {
		if string(raw) == "bad" {
			panic(errors.New("handler broke"))
		}
		return []byte(`{"got":"` + string(raw) + `"}`)
	}))
	fn, err := safejs.Global().Get("testPanickingEngine")
	require.NoError(t, err)
	call := func(msg string) (string, error) {
		p, err := fn.Invoke(msg, `{}`)
		require.NoError(t, err)
		v, err := Await(context.Background(), p)
		if err != nil {
			return "", err
		}
		return v.String()
	}

	_, err = call("bad")
	assert.EqualError(t, err, "panic: handler broke")
	for _, msg := range []string{"one", "bad", "two"} {
		got, err := call(msg)
		if msg == "bad" {
			assert.ErrorContains(t, err, "panic: handler broke")
			continue
		}
		require.NoError(t, err, "the engine still answers after a panic")
		assert.JSONEq(t, `{"got":"`+msg+`"}`, got)
	}
}
