//go:build js && wasm

// Command stopping stands in for engine.wasm in e2e/unit/background.test.mjs:
// it serves globalThis.savekeeperEngine as the engine does, answering each
// message with which run of the program it is (globalThis.testEngineRuns
// counts them) and how many messages this run answered; a message of type
// "stop" makes it panic, which ends the Go program, before it answers;
// one of type "stop-later" makes it panic a moment later, in another
// goroutine, leaving the call unanswered.
package main

import (
	"strconv"
	"strings"
	"syscall/js"
	"time"
)

func main() {
	global := js.Global()
	run := 1
	if n := global.Get("testEngineRuns"); n.Type() == js.TypeNumber {
		run = n.Int() + 1
	}
	global.Set("testEngineRuns", run)
	answered := 0
	promise := global.Get("Promise")
	global.Set("savekeeperEngine", js.FuncOf(func(_ js.Value, args []js.Value) any {
		switch msg := args[0].String(); {
		case strings.Contains(msg, `"type":"stop"`):
			go func() { panic("the test engine stops") }()
			return never(promise)
		case strings.Contains(msg, `"type":"stop-later"`):
			go func() {
				time.Sleep(20 * time.Millisecond)
				panic("the test engine stops")
			}()
			return never(promise)
		}
		answered++
		reply := `{"run":` + strconv.Itoa(run) + `,"answered":` + strconv.Itoa(answered) + `}`
		return promise.Call("resolve", reply)
	}))
	global.Call("savekeeperReady")
	select {}
}

// never returns a Promise that never settles.
func never(promise js.Value) js.Value {
	return promise.New(js.FuncOf(func(js.Value, []js.Value) any { return nil }))
}
