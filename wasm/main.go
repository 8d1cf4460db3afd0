//go:build js && wasm

// Command wasm is SaveKeeper's engine as it runs in the extension's
// background: it wires the engine to the browser through jsbridge and
// waits for messages. All logic lives in the engine and xsrf packages.
package main

import (
	"context"

	"github.com/savekeeper/savekeeper/wasm/engine"
	"github.com/savekeeper/savekeeper/wasm/jsbridge"
)

func main() {
	e := engine.New(jsbridge.Cookies{}, jsbridge.Tabs{}, jsbridge.Storage{Key: "savekeeper.state"}, nil)
	e.SetRandom(jsbridge.RandomBytes)
	_ = e.Restore(context.Background()) // an unreadable state starts empty
	// Renewal tabs whose visit a stopped service worker left open are
	// closed beside the first messages, not before them.
	go func() { _, _ = jsbridge.CloseLeftoverTabs(context.Background()) }()
	err := jsbridge.Serve("savekeeperEngine", func(ctx context.Context, raw, senderRaw []byte) []byte {
		sender, err := engine.DecodeSender(senderRaw)
		if err != nil {
			return engine.Refusal(err)
		}
		return e.Handle(ctx, sender, raw)
	})
	if err != nil {
		panic(err) // the background script reports a failed start
	}
	select {}
}
