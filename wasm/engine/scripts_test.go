//go:build !(js && wasm)

package engine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// What only the scripts say to each other; the tables in protocol.go hold
// what the engine is party to. TestJavaScriptAgrees checks both.

// events are the names of the CustomEvents between the relay and the page
// layer (its private channel).
var events = []string{
	"savekeeper:channel", // page layer → relay, on the document: here is my element
	"savekeeper:relay",   // relay → page layer, on the document: the relay is here
	"savekeeper:linked",  // relay → page layer: the channel is linked
	"savekeeper:request", // page layer → relay: a message for the engine
	"savekeeper:reply",   // relay → page layer: the engine's reply
	"savekeeper:finish",  // relay → page layer: write kept saves back now (the popup's Save now)
}

// scriptTypes are the types of messages between scripts that never reach
// the engine.
var scriptTypes = []struct{ Type, Means string }{
	{"begin", "relay → background, over the savekeeper-rescue port: a kept save's message and size"},
	{"go", "background → relay: the engine lets the page keep it; send the parts"},
	{"part", "over a port, either way: a piece of a body"},
	{"end", "over a port, either way: the body is complete"},
	{"error", "background → relay, over the savekeeper-body port: the body cannot be sent"},
	{"savekeeper-finish", "popup → relay, a runtime message to the tab: write kept saves back now"},
	{"savekeeper-notice", "background → notice.js, a runtime message to the tab: tell the user what happened to a save (notify.js decides)"},
	{"savekeeper-ping", "reload.js → relay, a runtime message to the tab: does SaveKeeper guard this page ({early, linked})"},
}

// scriptNames are the other names the scripts share ('savekeeper-…').
var scriptNames = []struct{ Name, Means string }{
	{"savekeeper-rescue", "the port a relay hands a kept save's body over"},
	{"savekeeper-body", "the port a relay fetches a kept save's body over"},
	{"savekeeper-finish", "the popup's message to a tab's relay (scriptTypes)"},
	{"savekeeper-notice", "the background's message to a tab's notice (scriptTypes)"},
	{"savekeeper-ping", "the welcome page's and the popup's question to a tab's relay (scriptTypes)"},
	{"savekeeper-tend", "the background's alarm that wakes tend"},
	{"savekeeper-site ", "the prefix of the ids of the scripts registered for a site the user enabled (sites.js)"},
}

var (
	byRelay      = []string{"relay"}
	byBothSides  = []string{"relay", "background"}
	byRelayParts = []string{"relay", "bodies"}
)

// scriptLimits are the bounds only the scripts know.
var scriptLimits = []limitSpec{
	{"MAX_RESCUE", byBothSides, 256 << 20, "the largest kept save a page hands over, in characters"},
	{"MAX_IN_TRANSFER", byBackground, 320 << 20, "all kept saves on their way to the background at once, in characters"},
	{"PART", byRelayParts, 4 << 20, "characters per port message"},
	{"RATE_WINDOW", byRelay, 10000, "the relay's rate window, in ms"},
	{"RATE_LIMIT", byRelay, 100, "messages a page may send per window"},
	{"RESCUE_LIMIT", byRelay, 10, "kept saves a page may hand over per window"},
	{"length", byRelay, 64, "the id of a page's message to the relay"},
	{"FIRST_PAUSE", byPage, 2000, "ms before a page first tries to write kept saves back"},
	{"MAX_PAUSE", byPage, 15000, "the longest pause of a page while its server does not answer"},
	{"QUIET_REPORT", byPage, 500, "ms a page holds the outcome of a save that went through"},
	{"HELLO_PAUSE", byPage, 10000, "the least ms between a page's hellos asked for by sayHello"},
	{"UNCHECKED_FOR", byPage, 60000, "ms a file's version is trusted without a check"},
	{"BODY_TIMEOUT", byPage, 300000, "how long a page waits to move a kept save's body"},
	{"MAX_NAME", []string{"download"}, 150, "the longest name of a downloaded file"},
	{"MAX_MANAGED", []string{"sites"}, 100, "the most sites an organisation's policy can name"},
	{"MAX_FILES", []string{"notice"}, 3, "the file names a notice in the page shows; more are counted"},
	{"LANDED_FOR", []string{"notice"}, 12000, "ms a notice that a kept save was saved stays in the page"},
	{"CLICK_AFTER", []string{"notice"}, 500, "ms after a notice changed before its buttons take a click"},
	{"MAX_SHOWN_NAME", []string{"notify"}, 60, "the longest file name a notice shows, in characters"},
	{"OPEN_EVERY", byBackground, 2000, "the least ms between two tabs a tab's notice opens"},
	{"BADGES_AFTER", byBackground, 200, "ms the background waits to draw every tab's badge after a change"},
	{"RELOAD_WAIT", []string{"reload"}, 15000, "the longest ms SaveKeeper waits for a tab it reloads to load"},
}

// minInlineLength is the least number a length is compared with for the
// comparison to count as a bound (s.length > 4096); smaller ones are
// shapes (v.length >= 2), not limits.
const minInlineLength = 16

// hit is one thing a script says, where it says it.
type hit struct {
	value, source, where string // where: file:line
}

// scriptFacts is what the checker reads from the scripts.
type scriptFacts struct {
	sources map[string]bool
	// Types written in object literals, and the fields of each literal
	// (keys but type, __proto__ and spreads).
	written     []hit
	fieldsOf    map[string]map[string]string // type → field → where
	read        []hit                        // types compared: m.type === 'x'
	sets        map[string][]string          // PAGE_TYPES, PORT_ONLY → types
	actions     []hit
	reasons     []hit
	reasonWrite []hit // reason: 'x'
	reasonMaps  map[string][]hit
	events      []hit
	names       []hit
	limits      []hit // value is NAME=number or length=number
	forms       map[string]int
}

// readScripts reads every .js file under dir. A file's source is "page"
// for the page layer (page.js or page/*), otherwise its name without .js.
func readScripts(dir string) (*scriptFacts, error) {
	f := &scriptFacts{sources: map[string]bool{}, fieldsOf: map[string]map[string]string{}, sets: map[string][]string{}, forms: map[string]int{},
		reasonMaps: map[string][]hit{}}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		source := strings.TrimSuffix(rel, ".js")
		if source == "page" || strings.HasPrefix(rel, "page/") {
			source = "page"
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.sources[source] = true
		f.read1(rel, source, tokenize(string(src)))
		return nil
	})
	return f, err
}

// read1 collects what one file says. The forms it recognises:
//
//	{ type: 'x', a, b: …, ...m }     a message of type x with fields a, b
//	m.type === 'x', m.type !== 'x'   a type handled (but model.type: Jupyter's;
//	                                 typeof m.type === 'x' compares no type)
//	const PAGE_TYPES = new Set(['x'])  a named set of types
//	action === 'x', action: 'x'      an action handled or given
//	reason === 'x', lastProblem === 'x', reason: 'x'
//	const NAME = { 'x': … }          a reason map: quoted keys are reasons
//	'savekeeper:x'                   an event; 'savekeeper-x' another name
//	const NAME = 16 * 1024;          a bound (numbers and *)
//	s.length > 4096                  a bound in place (numbers ≥ 16)
//
// Strings may use any quotes; MIME types (with "/") are not message types.
func (f *scriptFacts) read1(file, source string, toks []jsToken) {
	at := func(t jsToken) string { return file + ":" + strconv.Itoa(t.line) }
	tok := func(i int) jsToken {
		if i < 0 || i >= len(toks) {
			return jsToken{}
		}
		return toks[i]
	}
	is := func(i int, kind byte, texts ...string) bool {
		t := tok(i)
		return t.kind == kind && (len(texts) == 0 || slices.Contains(texts, t.text))
	}
	compare := func(i int) bool { return is(i, 'p', "===", "!==", "==", "!=") }
	// typeOf tells whether toks[i] is the end of typeof a.b.c.
	typeOf := func(i int) bool {
		for i--; is(i, 'p', ".") && is(i-1, 'n'); i -= 2 {
		}
		return is(i, 'n', "typeof")
	}
	for i, t := range toks {
		switch {
		case t.kind == 'n' && t.text == "type" && is(i+1, 'p', ":") && is(i+2, 's') && !is(i-1, 'p', "."):
			if v := tok(i + 2).text; !strings.Contains(v, "/") {
				f.forms["type:"]++
				f.written = append(f.written, hit{v, source, at(t)})
				f.literalFields(v, toks, i, at)
			}
		case t.kind == 'n' && t.text == "type" && is(i-1, 'p', ".") && compare(i+1) && is(i+2, 's') && !typeOf(i):
			if !is(i-2, 'n', "model") {
				f.forms[".type ==="]++
				f.read = append(f.read, hit{tok(i + 2).text, source, at(t)})
			}
		case t.kind == 'n' && is(i-1, 'n', "const") && is(i+1, 'p', "=") && is(i+2, 'n', "new") && is(i+3, 'n', "Set"):
			f.forms["new Set"]++
			var list []string
			for j := i + 4; j < len(toks) && !is(j, 'p', ")"); j++ {
				if is(j, 's') {
					list = append(list, toks[j].text)
				}
			}
			f.sets[t.text] = list
		case t.kind == 'n' && t.text == "action" && (compare(i+1) && !typeOf(i) || is(i+1, 'p', ":")) && is(i+2, 's'):
			f.forms["action"]++
			f.actions = append(f.actions, hit{tok(i + 2).text, source, at(t)})
		case t.kind == 'n' && (t.text == "reason" || t.text == "lastProblem") && compare(i+1) && is(i+2, 's') && !typeOf(i):
			f.forms["reason ==="]++
			f.reasons = append(f.reasons, hit{tok(i + 2).text, source, at(t)})
		case t.kind == 'n' && t.text == "reason" && is(i+1, 'p', ":") && is(i+2, 's'):
			if v := tok(i + 2).text; v != "" {
				f.forms["reason:"]++
				f.reasons = append(f.reasons, hit{v, source, at(t)})
				f.reasonWrite = append(f.reasonWrite, hit{v, source, at(t)})
			}
		case t.kind == 'n' && isConstName(t.text) && is(i-1, 'n', "const") && is(i+1, 'p', "=") && is(i+2, 'p', "{"):
			for j := i + 3; j < len(toks) && !is(j, 'p', "}"); j++ {
				if is(j, 's') && is(j+1, 'p', ":") && is(j-1, 'p', "{", ",") {
					f.forms["reason map"]++
					h := hit{toks[j].text, source, at(toks[j])}
					f.reasons = append(f.reasons, h)
					f.reasonMaps[source+"."+t.text] = append(f.reasonMaps[source+"."+t.text], h)
				}
			}
		case t.kind == 's' && strings.HasPrefix(t.text, "savekeeper:"):
			f.forms["event"]++
			f.events = append(f.events, hit{t.text, source, at(t)})
		case t.kind == 's' && strings.HasPrefix(t.text, "savekeeper-"):
			f.forms["name"]++
			f.names = append(f.names, hit{t.text, source, at(t)})
		case t.kind == 'n' && isConstName(t.text) && is(i-1, 'n', "const") && is(i+1, 'p', "=") && is(i+2, '0'):
			value, ok := int64(1), true
			j := i + 2
			for ; ; j += 2 {
				n, err := strconv.ParseInt(strings.ReplaceAll(tok(j).text, "_", ""), 10, 64)
				if !is(j, '0') || err != nil {
					ok = false
					break
				}
				value *= n
				if !is(j+1, 'p', "*") {
					break
				}
			}
			if ok && is(j+1, 'p', ";") {
				f.forms["const"]++
				f.limits = append(f.limits, hit{t.text + "=" + strconv.FormatInt(value, 10), source, at(t)})
			}
		case t.kind == 'n' && t.text == "length" && is(i-1, 'p', ".") && is(i+1, 'p', "<", "<=", ">", ">=") && is(i+2, '0'):
			n, err := strconv.ParseInt(tok(i+2).text, 10, 64)
			if err != nil || n < minInlineLength {
				continue
			}
			if op := tok(i + 1).text; op == "<" || op == ">=" {
				n-- // < N lets N-1 through; >= N refuses N
			}
			f.forms["length"]++
			f.limits = append(f.limits, hit{"length=" + strconv.FormatInt(n, 10), source, at(t)})
		}
	}
}

// literalFields records the keys of the object literal around toks[i]
// (the "type" of a message of type typ).
func (f *scriptFacts) literalFields(typ string, toks []jsToken, i int, at func(jsToken) string) {
	depth, open := 0, -1
	for j := i - 1; j >= 0 && open < 0; j-- {
		switch toks[j].text {
		case "}", ")", "]":
			if toks[j].kind == 'p' {
				depth++
			}
		case "{", "(", "[":
			if toks[j].kind == 'p' {
				if depth == 0 {
					open = j
				}
				depth--
			}
		}
	}
	if open < 0 || toks[open].text != "{" {
		return
	}
	if f.fieldsOf[typ] == nil {
		f.fieldsOf[typ] = map[string]string{}
	}
	depth = 0
	for j := open + 1; j < len(toks); j++ {
		t := toks[j]
		if t.kind == 'p' {
			switch t.text {
			case "{", "(", "[":
				depth++
				continue
			case ")", "]":
				depth--
				continue
			case "}":
				if depth == 0 {
					return
				}
				depth--
				continue
			}
		}
		if depth != 0 || !(toks[j-1].kind == 'p' && (toks[j-1].text == "{" || toks[j-1].text == ",")) {
			continue
		}
		if (t.kind == 'n' || t.kind == 's') && t.text != "type" && t.text != "__proto__" && j+1 < len(toks) &&
			toks[j+1].kind == 'p' && (toks[j+1].text == ":" || toks[j+1].text == "," || toks[j+1].text == "}") {
			f.fieldsOf[typ][t.text] = at(t)
		}
	}
}

// isConstName tells whether a name is written like a constant (UPPER_CASE).
func isConstName(s string) bool {
	return s != "" && strings.ToUpper(s) == s && s[0] >= 'A' && s[0] <= 'Z'
}

// checkScripts checks the scripts under dir against the protocol's tables
// and returns every disagreement.
func checkScripts(dir string) []string {
	f, err := readScripts(dir)
	if err != nil {
		return []string{err.Error()}
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	// The checker must see the scripts it knows and read each form: a
	// refactor that hides them from it must not pass as agreement.
	for _, s := range []string{"page", "relay", "background", "popup", "options"} {
		if !f.sources[s] {
			bad("no script %q under %s", s, dir)
		}
	}
	for form, least := range map[string]int{"type:": 20, ".type ===": 8, "new Set": 2, "action": 6, "reason ===": 2,
		"reason:": 2, "reason map": 10, "event": 12, "name": 5, "const": 15, "length": 2} {
		if f.forms[form] < least {
			bad("the checker found %d of the form %q, expected at least %d: has the way the scripts write it changed?", f.forms[form], form, least)
		}
	}

	// Message types: who writes each, with which fields.
	scriptType := func(v string) bool {
		return slices.ContainsFunc(scriptTypes, func(s struct{ Type, Means string }) bool { return s.Type == v })
	}
	writers := map[string]map[string]bool{}
	used := map[string]bool{}
	for _, h := range f.written {
		used[h.value] = true
		switch {
		case specOf(h.value) != nil:
			if writers[h.value] == nil {
				writers[h.value] = map[string]bool{}
			}
			writers[h.value][h.source] = true
		case !scriptType(h.value):
			bad("%s: message type %q is in no table (messages in protocol.go, scriptTypes)", h.where, h.value)
		}
	}
	for _, h := range f.read {
		used[h.value] = true
		if specOf(h.value) == nil && !scriptType(h.value) {
			bad("%s: message type %q is in no table (messages in protocol.go, scriptTypes)", h.where, h.value)
		}
	}
	for _, spec := range messages {
		var got []string
		for s := range writers[spec.Type] {
			got = append(got, s)
		}
		sort.Strings(got)
		want := slices.Sorted(slices.Values(spec.Writers))
		if !slices.Equal(got, want) {
			bad("message type %q is written by %v; the table says %v", spec.Type, got, want)
		}
		for name, where := range f.fieldsOf[spec.Type] {
			if !spec.allows(name) {
				bad("%s: a %q message with field %q, which the table does not give it", where, spec.Type, name)
			}
		}
		for _, name := range spec.Fields {
			if _, ok := f.fieldsOf[spec.Type][name]; !ok {
				bad("the table gives %q field %q, which no script writes", spec.Type, name)
			}
		}
	}
	for _, s := range scriptTypes {
		if !used[s.Type] {
			bad("scriptTypes has %q, which no script uses", s.Type)
		}
	}
	typesOf := func(ok func(route) bool) []string {
		var out []string
		for _, spec := range messages {
			if ok(spec.Route) {
				out = append(out, spec.Type)
			}
		}
		sort.Strings(out)
		return out
	}
	for name, want := range map[string][]string{
		"PAGE_TYPES": typesOf(func(r route) bool { return r == fromRelay || r == overPort }),
		"PORT_ONLY":  typesOf(func(r route) bool { return r == overPort || r == forPage }),
	} {
		got := slices.Sorted(slices.Values(f.sets[name]))
		if !slices.Equal(got, want) {
			bad("%s is %v; the table (routes) says %v", name, got, want)
		}
	}

	// Actions and reasons: every one a script names is defined, and every
	// one defined is named, but those the table says no script names.
	for _, c := range []struct {
		what  string
		table []answerSpec
		hits  []hit
	}{{"action", actions, f.actions}, {"reason", reasons, f.reasons}} {
		named := map[string]bool{}
		for _, h := range c.hits {
			named[h.value] = true
			if !slices.ContainsFunc(c.table, func(a answerSpec) bool { return a.Name == h.value }) {
				bad("%s: %s %q is not in the table (%ss in protocol.go)", h.where, c.what, h.value, c.what)
			}
		}
		for _, a := range c.table {
			switch {
			case a.Unnamed == "" && !named[a.Name]:
				bad("no script handles %s %q (or say why in its Unnamed)", c.what, a.Name)
			case a.Unnamed != "" && named[a.Name]:
				bad("a script names %s %q, which the table says none does (%s)", c.what, a.Name, a.Unnamed)
			}
		}
	}
	for _, a := range reasons {
		if a.By == "relay" && !slices.ContainsFunc(f.reasonWrite, func(h hit) bool { return h.value == a.Name && h.source == "relay" }) {
			bad("the relay does not give reason %q, which the table says it gives", a.Name)
		}
	}

	wordMaps := map[string]bool{}
	for _, r := range reasons {
		for _, m := range r.Words {
			wordMaps[m] = true
		}
	}
	for name, hits := range f.reasonMaps {
		var got, want []string
		for _, h := range hits {
			got = append(got, h.value)
		}
		for _, r := range reasons {
			if slices.Contains(r.Words, name) {
				want = append(want, r.Name)
			}
		}
		if !wordMaps[name] {
			bad("%s: reason map %s is not one the table knows (reasons' Words)", hits[0].where, name)
		} else if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			bad("%s words %v; the table (reasons' Words) says %v", name, got, want)
		}
	}
	for name := range wordMaps {
		if f.reasonMaps[name] == nil {
			bad("no script has the reason map %s", name)
		}
	}

	// Events: the relay and the page layer use the same ones, all of them.
	for _, side := range []string{"relay", "page"} {
		var got []string
		for _, h := range f.events {
			if h.source == side {
				got = append(got, h.value)
			} else if h.source != "relay" && h.source != "page" {
				bad("%s: event %q outside the relay and the page layer", h.where, h.value)
			}
		}
		got = slices.Compact(slices.Sorted(slices.Values(got)))
		if want := slices.Sorted(slices.Values(events)); !slices.Equal(got, want) {
			bad("the %s's events are %v; events says %v", side, got, want)
		}
	}
	namesUsed := map[string]bool{}
	for _, h := range f.names {
		namesUsed[h.value] = true
		if !slices.ContainsFunc(scriptNames, func(n struct{ Name, Means string }) bool { return n.Name == h.value }) {
			bad("%s: %q is not in scriptNames", h.where, h.value)
		}
	}
	for _, n := range scriptNames {
		if !namesUsed[n.Name] {
			bad("scriptNames has %q, which no script uses", n.Name)
		}
	}

	// Bounds: each one a script writes is in a table with its value, in
	// every script the table names.
	all := append(slices.Clone(limits), scriptLimits...)
	found := map[string]bool{}
	for _, h := range f.limits {
		name, value, _ := strings.Cut(h.value, "=")
		matched := false
		for _, l := range all {
			if l.JS == name && slices.Contains(l.In, h.source) {
				if strconv.FormatInt(l.Value, 10) == value {
					matched = true
					found[l.JS+"="+value+"@"+h.source] = true
				} else if name != "length" {
					matched = true
					bad("%s: %s is %s; the table says %d (%s)", h.where, name, value, l.Value, l.Go)
				}
			}
		}
		if !matched {
			if name == "length" {
				bad("%s: a length bound of %s is in no table (limits in protocol.go, scriptLimits)", h.where, value)
			} else {
				bad("%s: %s = %s is in no table (limits in protocol.go, scriptLimits)", h.where, name, value)
			}
		}
	}
	for _, l := range all {
		for _, s := range l.In {
			if key := l.JS + "=" + strconv.FormatInt(l.Value, 10) + "@" + s; !found[key] && !slices.ContainsFunc(errs, func(e string) bool {
				return strings.Contains(e, " "+l.JS+" is ")
			}) {
				bad("%s does not write %s = %d (%s)", s, l.JS, l.Value, l.Go)
			}
		}
	}
	return errs
}

// TestJavaScriptAgrees reads every script of the extension and checks it
// against the protocol's tables, both ways (see checkScripts and read1).
func TestJavaScriptAgrees(t *testing.T) {
	for _, e := range checkScripts(filepath.Join("..", "..", "extension")) {
		t.Error(e)
	}
}

// copyScripts copies the extension's scripts into a new directory, with
// each change in edits applied (file → [old, new] pairs; old must occur).
func copyScripts(t *testing.T, edits map[string][]string) string {
	t.Helper()
	from := filepath.Join("..", "..", "extension")
	to := t.TempDir()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(src)
		for i := 0; i+1 < len(edits[filepath.ToSlash(rel)]); i += 2 {
			old, repl := edits[filepath.ToSlash(rel)][i], edits[filepath.ToSlash(rel)][i+1]
			if !strings.Contains(text, old) {
				t.Fatalf("%s holds no %q to change", rel, old)
			}
			text = strings.Replace(text, old, repl, 1)
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), []byte(text), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// TestTheCheckerFails proves that checkScripts sees a disagreement of each
// kind, on copies of the scripts changed one way at a time.
func TestTheCheckerFails(t *testing.T) {
	baseline := checkScripts(copyScripts(t, nil))
	for _, c := range []struct {
		name  string
		edits map[string][]string
		want  []string
	}{
		{"a type no table defines", map[string][]string{"page/kept.js": {"{ type: 'due' }", "{ type: 'overdue' }"}},
			[]string{`message type "overdue" is in no table`, `message type "due" is written by []`}},
		{"a type compared that no table defines", map[string][]string{"relay.js": {"m.type === 'go'", "m.type === 'going'"}},
			[]string{`message type "going" is in no table`}},
		{"a field the table does not give", map[string][]string{"page/guard.js": {"sentToken, sentAt }", "sentToken, sentAt, cookie }"}},
			[]string{`message with field "cookie"`}},
		{"a field no script writes", map[string][]string{"page/detect.js": {", hub: server.hub }", " }"}},
			[]string{`the table gives "hello" field "hub", which no script writes`}},
		{"another writer", map[string][]string{"popup.js": {"{ type: 'save-now', id: r.id }", "{ type: 'check', id: r.id }"}},
			[]string{`message type "check" is written by [page popup]`, `message type "save-now" is written by [options]`}},
		{"a type the relay does not let through", map[string][]string{"relay.js": {"'due', ", ""}},
			[]string{`PAGE_TYPES is [`}},
		{"an action no table defines", map[string][]string{"page/kept.js": {"verdict.action === 'wait'", "verdict.action === 'later'"}},
			[]string{`action "later" is not in the table`, `no script handles action "wait"`}},
		{"an action the table says no script names", map[string][]string{"page/kept.js": {"verdict.action !== 'write'", "verdict.action === 'keep'"}},
			[]string{`a script names action "keep"`, `no script handles action "write"`}},
		{"a reason no table defines", map[string][]string{"relay.js": {"reason: 'rate-limited'", "reason: 'too-many'"}},
			[]string{`reason "too-many" is not in the table`, `the relay does not give reason "rate-limited"`}},
		{"a reason the popup words wrongly", map[string][]string{"popup.js": {"'server-error':", "'save-refused':"}},
			[]string{`popup.WHY words`}},
		{"a bound of another value", map[string][]string{"relay.js": {"MAX_MESSAGE = 64 * 1024", "MAX_MESSAGE = 128 * 1024"}},
			[]string{"relay.js:55: MAX_MESSAGE is 131072; the table says 65536"}},
		{"a bound no table defines", map[string][]string{"popup.js": {"let current = null;", "const MAX_RESCUES = 20;\nlet current = null;"}},
			[]string{"MAX_RESCUES = 20 is in no table"}},
		{"a length bound no table defines", map[string][]string{"page/tokens.js": {"v.length > 4096", "v.length > 8192"}},
			[]string{"a length bound of 8192 is in no table", "page does not write length = 4096"}},
		{"an event one side does not use", map[string][]string{"page/channel.js": {"'savekeeper:finish'", "'savekeeper:done'"}},
			[]string{"the page's events are ["}},
		{"a name no list has", map[string][]string{"background.js": {"'savekeeper-body'", "'savekeeper-bodies'"}},
			[]string{`"savekeeper-bodies" is not in scriptNames`}},
		{"scripts the checker cannot read", map[string][]string{"page/guard.js": {
			"verdict.action === 'renew'", "verdict['action'] === 'renew'",
			"verdict.action === 'retry'", "verdict['action'] === 'retry'"}, "page/kept.js": {
			"reply.action !== 'ok'", "reply['action'] !== 'ok'",
			"verdict.action === 'wait'", "verdict['action'] === 'wait'",
			"verdict.action !== 'write'", "verdict['action'] !== 'write'"}},
			[]string{`the checker found 3 of the form "action"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := checkScripts(copyScripts(t, c.edits))
			var added []string
			for _, e := range got {
				if !slices.Contains(baseline, e) {
					added = append(added, e)
				}
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(added, func(e string) bool { return strings.Contains(e, w) }) {
					t.Errorf("no error saying %q; got %q", w, added)
				}
			}
		})
	}
}

// TestTheCheckerReadsOnePageFile checks that the page layer may also be
// one file, page.js (as cmd/pack joins it): the checker finds the same.
func TestTheCheckerReadsOnePageFile(t *testing.T) {
	dir := copyScripts(t, nil)
	parts, err := filepath.Glob(filepath.Join(dir, "page", "*.js"))
	if err != nil || len(parts) < 2 {
		t.Fatalf("the page layer's parts: %v, %v", parts, err)
	}
	var joined []byte
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, b...)
	}
	if err := os.RemoveAll(filepath.Join(dir, "page")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "page.js"), joined, 0o644); err != nil {
		t.Fatal(err)
	}
	strip := func(errs []string) []string {
		var out []string
		for _, e := range errs {
			if _, rest, ok := strings.Cut(e, ".js:"); ok {
				_, e, _ = strings.Cut(rest, ": ")
			}
			out = append(out, e)
		}
		return out
	}
	parted := strip(checkScripts(copyScripts(t, nil)))
	if one := strip(checkScripts(dir)); !slices.Equal(one, parted) {
		t.Errorf("as one file the checker finds %q, in parts %q", one, parted)
	}
}
