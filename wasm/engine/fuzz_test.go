package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// FuzzDecodeMessage feeds the message decoder, and the whole engine, any
// bytes from a page or from the extension, starting from one message of
// each type in the protocol's table (messages) with every field it carries:
// nothing may panic, a message that is accepted survives a round trip
// unchanged, no page type is taken from the extension or extension type
// from a page, and every answer is a JSON Reply.
func FuzzDecodeMessage(f *testing.F) {
	for _, spec := range messages {
		f.Add(exampleOf(spec), !spec.Route.page())
	}
	for _, s := range []string{
		`{"type":"failed","url":"http://127.0.0.1:8888/api/contents/x.ipynb","method":"PUT","status":403,"body":"{\"message\": \"Forbidden\"}"}`,
		`{"type":"hello"} trailing`,
		`{"type":"due","extra":1}`,
		`{"type":"due","id":"1-a"}`,
		`{"type":"failed","method":"put"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	e := New(&jar{}, nil, &memStore{}, nil)
	tab := at(1, page)
	if r := e.handle(context.Background(), tab, []byte(`{"type":"hello","flavor":"classic","baseUrl":"/"}`)); r.Error != "" {
		f.Fatal(r.Error)
	}
	extension := Sender{TabID: -1, URL: "chrome-extension://x/popup.html", Extension: true}
	f.Fuzz(func(t *testing.T, raw []byte, fromExtension bool) {
		sender := tab
		if fromExtension {
			sender = extension
		}
		m, err := DecodeMessage(raw, sender)
		if err == nil {
			if len(m.IDs) == 0 {
				m.IDs = nil // [] and no list say the same
			}
			again, _ := json.Marshal(m)
			m2, err := DecodeMessage(again, sender)
			if err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("round trip of %q: %v, %+v != %+v", raw, err, m, m2)
			}
			if specOf(m.Type).Route.page() == fromExtension {
				t.Fatalf("%s accepted from the wrong sender", m.Type)
			}
		}
		if !fromExtension { // the extension's own messages are trusted to be sane
			// A refusal while another renewal is in flight waits for it
			// (up to RenewTimeout); the page gives up sooner, and so does this.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			answer := make(chan []byte, 1)
			go func() { answer <- e.Handle(ctx, sender, raw) }()
			var out []byte
			select {
			case out = <-answer:
			case <-time.After(5 * time.Second):
				// A hang is a failure, kept with its input in testdata/fuzz.
				stacks := make([]byte, 1<<20)
				t.Fatalf("no answer to %q within 5 s; goroutines:\n%s", raw, stacks[:runtime.Stack(stacks, true)])
			}
			var r Reply
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("reply to %q is not JSON: %v", raw, err)
			}
		}
	})
}

// exampleOf returns a message of spec's type carrying every field it may,
// each with its example value (fields).
func exampleOf(spec messageSpec) []byte {
	m := map[string]any{"type": spec.Type}
	for _, name := range spec.Fields {
		for _, f := range fields {
			if f.Name == name {
				m[name] = f.Example
			}
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return raw
}

// TestEveryExampleIsAccepted checks the seeds of FuzzDecodeMessage: the
// example of each message type is accepted from its sender (and refused
// from the other), so that the fuzzer starts from every type.
func TestEveryExampleIsAccepted(t *testing.T) {
	extension := Sender{TabID: -1, URL: "chrome-extension://x/popup.html", Extension: true}
	for _, spec := range messages {
		from, other := at(1, page), extension
		if !spec.Route.page() {
			from, other = other, from
		}
		m, err := DecodeMessage(exampleOf(spec), from)
		if err != nil {
			t.Errorf("%s: %v", spec.Type, err)
			continue
		}
		if m.Type != spec.Type {
			t.Errorf("%s decoded as %q", spec.Type, m.Type)
		}
		if _, err := DecodeMessage(exampleOf(spec), other); err == nil {
			t.Errorf("%s accepted from the wrong sender", spec.Type)
		}
	}
}
