//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"time"

	"github.com/hack-pad/safejs"
)

// Handler answers one message; see engine.Engine.Handle.
type Handler func(ctx context.Context, raw []byte, tabID int, url string, extension bool) []byte

// timeout bounds one message's handling: a renewal waits at most
// engine.RenewTimeout, and nothing else waits at all.
const timeout = 30 * time.Second

// Serve exposes h to JavaScript as globalThis[name], a function
// (message string, tabId number, url string, extension boolean) →
// Promise<string>, then calls globalThis.savekeeperReady() if the
// background script defined it. Calls with the wrong arguments reject.
func Serve(name string, h Handler) error {
	fn, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		p, err := NewPromise(func() (any, error) {
			raw, tab, url, ext, err := handlerArgs(args)
			if err != nil {
				return nil, err
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return string(h(ctx, []byte(raw), tab, url, ext)), nil
		})
		if err != nil {
			return nil
		}
		return p
	})
	if err != nil {
		return err
	}
	global := safejs.Global()
	if err := global.Set(name, fn); err != nil {
		return err
	}
	ready, err := global.Get("savekeeperReady")
	if err == nil && ready.Type() == safejs.TypeFunction {
		_, err = ready.Invoke()
	}
	return err
}

var errUsage = errors.New("usage: handle(message string, tabId number, url string, extension boolean)")

func handlerArgs(args []safejs.Value) (raw string, tab int, url string, ext bool, err error) {
	if len(args) != 4 || args[0].Type() != safejs.TypeString || args[1].Type() != safejs.TypeNumber ||
		args[2].Type() != safejs.TypeString || args[3].Type() != safejs.TypeBoolean {
		return "", 0, "", false, errUsage
	}
	if raw, err = args[0].String(); err != nil {
		return
	}
	if tab, err = args[1].Int(); err != nil {
		return
	}
	if url, err = args[2].String(); err != nil {
		return
	}
	ext, err = args[3].Bool()
	return
}
