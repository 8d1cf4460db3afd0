//go:build js && wasm

// Package jsbridge is the only package of SaveKeeper that touches
// JavaScript. It wraps the few browser APIs the engine needs (cookies,
// storage) behind the engine's Go interfaces, bridges Promises both ways,
// and exposes the engine to the background script as one function.
//
// Every JavaScript call goes through github.com/hack-pad/safejs, so a
// thrown exception becomes a Go error instead of a panic. Callbacks that
// JavaScript calls never block: work that waits starts a goroutine and
// hands back a Promise, as syscall/js requires.
//
// A native test in package wasm fails when any other package imports
// syscall/js or safejs.
package jsbridge
