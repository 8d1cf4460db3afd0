//go:build !(js && wasm)

package main_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyTheBridgeTouchesJavaScript keeps the engine testable natively:
// syscall/js and safejs may be imported only by wasm/jsbridge.
func TestOnlyTheBridgeTouchesJavaScript(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "dist", ".git", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		inBridge := filepath.Dir(path) == filepath.Join(root, "wasm", "jsbridge")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if (p == "syscall/js" || p == "github.com/hack-pad/safejs") && !inBridge {
				t.Errorf("%s imports %s; only wasm/jsbridge may", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d Go files: is the walk rooted at the repository?", checked)
	}
}
