//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"time"

	"github.com/hack-pad/safejs"
)

// Handler answers one message from the sender the background describes;
// see engine.Engine.Handle and engine.DecodeSender.
type Handler func(ctx context.Context, raw, sender []byte) []byte

// timeout bounds one message's handling: a renewal waits at most
// engine.RenewTimeout, and nothing else waits at all.
const timeout = 30 * time.Second

// Serve exposes h to JavaScript as globalThis[name], a function
// (message string, sender string) → Promise<string>, where both strings
// are JSON, then calls globalThis.savekeeperReady() if the background
// script defined it. Calls with the wrong arguments reject.
func Serve(name string, h Handler) error {
	fn, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		p, err := NewPromise(func() (any, error) {
			raw, sender, err := handlerArgs(args)
			if err != nil {
				return nil, err
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return string(h(ctx, []byte(raw), []byte(sender))), nil
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

var errUsage = errors.New("usage: handle(message string, sender string)")

func handlerArgs(args []safejs.Value) (raw, sender string, err error) {
	if len(args) != 2 || args[0].Type() != safejs.TypeString || args[1].Type() != safejs.TypeString {
		return "", "", errUsage
	}
	if raw, err = args[0].String(); err != nil {
		return
	}
	sender, err = args[1].String()
	return
}
