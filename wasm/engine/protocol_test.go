//go:build !(js && wasm)

package engine

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update-doc", false, "write the protocol's lists into doc.go")

// TestTheTablesCoverMessage checks that the tables of protocol.go hold
// together: fields names every field of Message once, each message type
// is named once and carries only fields that exist, and every field is
// carried by some type.
func TestTheTablesCoverMessage(t *testing.T) {
	typ := reflect.TypeFor[Message]()
	for i := 1; i < typ.NumField(); i++ {
		if fieldAt[i] == nil {
			t.Errorf("Message.%s has no entry in fields", typ.Field(i).Name)
		}
	}
	carried := map[string]bool{}
	seen := map[string]bool{}
	for _, spec := range messages {
		if seen[spec.Type] {
			t.Errorf("message type %q twice", spec.Type)
		}
		seen[spec.Type] = true
		if spec.Route == 0 || len(spec.Writers) == 0 || spec.Says == "" {
			t.Errorf("%s: route, writers and what it says are needed", spec.Type)
		}
		for _, name := range spec.Fields {
			carried[name] = true
			if !slices.ContainsFunc(fields, func(f fieldSpec) bool { return f.Name == name }) {
				t.Errorf("%s carries %q, which fields does not define", spec.Type, name)
			}
		}
		for _, name := range spec.Needs {
			if !spec.allows(name) {
				t.Errorf("%s needs %q, which it does not carry", spec.Type, name)
			}
		}
	}
	for i, f := range fields {
		if !carried[f.Name] {
			t.Errorf("no message type carries %q", f.Name)
		}
		if !slices.Contains(fieldAt, &fields[i]) {
			t.Errorf("fields has %q, which Message does not", f.Name)
		}
	}
}

// TestTheTablesCoverTheGoCode reads the package's Go files: every Type,
// Action and Reason constant is in the tables, and so is every reason
// written as a literal string (Reason: "…").
func TestTheTablesCoverTheGoCode(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][]string{"Type": nil, "Action": nil, "Reason": nil}
	for _, spec := range messages {
		tables["Type"] = append(tables["Type"], spec.Type)
	}
	for _, a := range actions {
		tables["Action"] = append(tables["Action"], a.Name)
	}
	for _, r := range reasons {
		tables["Reason"] = append(tables["Reason"], r.Name)
	}
	consts := 0
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					for prefix, known := range tables {
						if !strings.HasPrefix(id.Name, prefix) || i >= len(n.Values) {
							continue
						}
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts++
							if v, _ := strconv.Unquote(lit.Value); !slices.Contains(known, v) {
								t.Errorf("%s: %s = %q is not in protocol.go's table", fset.Position(id.Pos()), id.Name, v)
							}
						}
					}
				}
			case *ast.KeyValueExpr:
				key, ok := n.Key.(*ast.Ident)
				lit, isLit := n.Value.(*ast.BasicLit)
				if ok && isLit && lit.Kind == token.STRING && (key.Name == "Reason" || key.Name == "Action") {
					if v, _ := strconv.Unquote(lit.Value); !slices.Contains(tables[key.Name], v) {
						t.Errorf("%s: %s %q is not in protocol.go's table", fset.Position(lit.Pos()), key.Name, v)
					}
				}
			}
			return true
		})
	}
	if want := len(messages) + len(actions) + len(reasons); consts < want {
		t.Errorf("found %d Type, Action and Reason constants; the tables hold %d", consts, want)
	}
}

// protocolDoc returns the lists of the package documentation that the
// tables make: "# Messages" up to "# Rules", as comment lines.
func protocolDoc() string {
	var b strings.Builder
	line := func(s string) {
		if s == "" {
			b.WriteString("//\n")
		} else {
			b.WriteString("// " + s + "\n")
		}
	}
	// item writes name, then head on its line (if any), then text wrapped
	// under it; text starts beside a short name without a head.
	item := func(name, head, text string) {
		indent := "\t" + strings.Repeat(" ", 10)
		cur := "\t" + name
		if head != "" || len(name) >= 10 {
			if head != "" {
				cur += strings.Repeat(" ", max(1, 10-len(name))) + head
			}
			b.WriteString("//" + cur + "\n")
			cur = indent
		} else {
			cur += strings.Repeat(" ", 10-len(name))
		}
		for i, w := range strings.Fields(text) {
			if i > 0 && len(cur)+1+len(w) > 70 {
				b.WriteString("//" + cur + "\n")
				cur = indent + w
				continue
			}
			if i > 0 {
				cur += " "
			}
			cur += w
		}
		b.WriteString("//" + cur + "\n")
	}
	para := func(text string) {
		cur := ""
		for _, w := range strings.Fields(text) {
			if cur != "" && len(cur)+1+len(w) > 74 {
				line(cur)
				cur = w
				continue
			}
			if cur != "" {
				cur += " "
			}
			cur += w
		}
		line(cur)
	}
	line("# Messages")
	line("")
	para("Each message type, the fields it may carry (a page must send those marked !), the scripts that write it, and what it says:")
	for _, group := range []struct {
		route route
		intro string
	}{
		{fromRelay, "From a page: the page layer writes them, its relay forwards them, and the background adds what the browser says of the sender (Sender)."},
		{overPort, "From a page, with or for a kept save's body: the relay carries them over a port, and the background sends them for the page."},
		{forPage, "From the background, for a page whose kept save it moves:"},
		{fromExtension, "From the extension's own pages and the background; never from a page:"},
	} {
		line("")
		para(group.intro)
		line("")
		for _, spec := range messages {
			if spec.Route != group.route {
				continue
			}
			var fs []string
			for _, f := range spec.Fields {
				if slices.Contains(spec.Needs, f) {
					f += "!"
				}
				fs = append(fs, f)
			}
			item(spec.Type, "{"+strings.Join(fs, ", ")+"} ("+strings.Join(spec.Writers, ", ")+")", spec.Says)
		}
	}
	line("")
	line("# Answers")
	line("")
	para("A reply's action says what the page does next:")
	line("")
	for _, a := range actions {
		item(a.Name, "", a.Means)
	}
	wordMaps := map[string]string{
		"popup.PROBLEMS":   "the popup shows it as a server's problem",
		"popup.WHY":        "the popup shows it as why a save is kept",
		"notice.KEPT":      "the notice in the page tells it as a save kept",
		"notice.NEEDS_YOU": "the notice in the page tells it as a save that needs the user",
	}
	line("")
	para("Its reason says why the engine (or the relay, for the engine) gave up, why a server has a problem, or why a save is kept:")
	line("")
	for _, r := range reasons {
		text := r.Means
		if r.By != "engine" {
			text = "(the " + r.By + ") " + text
		}
		if len(r.Words) > 0 {
			var words []string
			for _, m := range r.Words {
				words = append(words, wordMaps[m])
			}
			text += "; " + strings.Join(words, ", ")
		}
		item(r.Name, "", text)
	}
	line("")
	return b.String()
}

// TestDocListsTheProtocol checks that doc.go lists every message type,
// action and reason as the tables say (go test -run
// TestDocListsTheProtocol -update-doc writes the lists).
func TestDocListsTheProtocol(t *testing.T) {
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, "// # Messages\n")
	end := strings.Index(doc, "// # Rules\n")
	if start < 0 || end < start {
		t.Fatal(`doc.go has no "# Messages" section before "# Rules"`)
	}
	want := protocolDoc()
	if doc[start:end] == want {
		return
	}
	if *updateDoc {
		if err := os.WriteFile("doc.go", []byte(doc[:start]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("doc.go does not list the protocol as the tables say; run go test -run TestDocListsTheProtocol -update-doc, or write:\n%s", want)
}
