//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/hack-pad/safejs"
)

// Await waits for the JavaScript Promise p to settle and returns its value,
// or an error carrying the rejection's message. It returns ctx.Err() if ctx
// ends first. Both callbacks are released by whichever runs.
func Await(ctx context.Context, p safejs.Value) (safejs.Value, error) {
	type settled struct {
		v   safejs.Value
		err error
	}
	ch := make(chan settled, 1)
	var onOK, onErr safejs.Func
	release := func() { onOK.Release(); onErr.Release() }
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		release()
		ch <- settled{v: first(args)}
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	onErr, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		release()
		ch <- settled{err: rejection(first(args))}
		return nil
	})
	if err != nil {
		onOK.Release()
		return safejs.Undefined(), err
	}
	if _, err := p.Call("then", onOK, onErr); err != nil {
		release()
		return safejs.Undefined(), fmt.Errorf("not a Promise: %w", err)
	}
	select {
	case s := <-ch:
		return s.v, s.err
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}

// NewPromise returns a JavaScript Promise settled by fn, which runs in its
// own goroutine: it resolves with fn's value or rejects with an Error
// holding fn's error message. A panic in fn rejects the Promise with an
// Error naming the panic ("panic: …") instead of ending the Go program,
// so one bad message does not stop the engine for every later one; the
// panic's stack goes to the console.
func NewPromise(fn func() (any, error)) (safejs.Value, error) {
	var executor safejs.Func
	executor, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		executor.Release()
		if len(args) < 2 {
			return nil
		}
		resolve, reject := args[0], args[1]
		go func() {
			v, err := recovered(fn)
			if err != nil {
				_, _ = reject.Invoke(jsError(err))
				return
			}
			_, _ = resolve.Invoke(v)
		}()
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	ctor, err := safejs.Global().Get("Promise")
	if err != nil {
		executor.Release()
		return safejs.Undefined(), err
	}
	return ctor.New(executor)
}

// recovered calls fn and returns what it returns, or an error naming the
// panic that ended it.
func recovered(fn func() (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "SaveKeeper: panic: %v\n%s", p, debug.Stack())
			v, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}

// jsError makes a JavaScript Error from err; if that fails, the message.
func jsError(err error) any {
	ctor, e := safejs.Global().Get("Error")
	if e == nil {
		if v, e := ctor.New(err.Error()); e == nil {
			return v
		}
	}
	return err.Error()
}

// rejection turns a Promise's rejection reason into a Go error.
func rejection(reason safejs.Value) error {
	if reason.Type() == safejs.TypeObject {
		if msg, err := reason.Get("message"); err == nil && msg.Type() == safejs.TypeString {
			s, _ := msg.String()
			return errors.New(s)
		}
	}
	s, err := reason.String()
	if err != nil || s == "" {
		s = "promise rejected"
	}
	return errors.New(s)
}

func first(args []safejs.Value) safejs.Value {
	if len(args) == 0 {
		return safejs.Undefined()
	}
	return args[0]
}
