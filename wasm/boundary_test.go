//go:build !(js && wasm)

package main_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
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

// TestCommandsDoNotReachTheBridge keeps the command-line tools (cmd/...)
// native programs: none of them imports wasm/jsbridge, directly or through
// another package, for any GOOS (go list -deps with the js/wasm build).
func TestCommandsDoNotReachTheBridge(t *testing.T) {
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/...")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v", env, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 {
			t.Fatalf("go list %v listed only %d packages", env, len(deps))
		}
		for _, p := range deps {
			// (syscall/js itself is under the standard library's os and
			// net/http in a js/wasm build.)
			if strings.HasSuffix(p, "/wasm/jsbridge") || p == "github.com/hack-pad/safejs" {
				t.Errorf("a command reaches %s (%v)", p, env)
			}
		}
	}
}
