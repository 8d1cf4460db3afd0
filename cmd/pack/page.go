package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// pageParts are the page layer's source files under extension/page, in the
// order they are joined into page.js (extension/page/README.md says what
// each does). Later parts use what earlier ones capture and define.
var pageParts = []string{
	"builtins.js",
	"browser.js",
	"channel.js",
	"detect.js",
	"tokens.js",
	"guard.js",
	"versions.js",
	"kept.js",
	"fetch.js",
	"xhr.js",
	"install.js",
}

// pageSourceDir is the directory of the parts, under the extension's
// source; it is not copied into a build.
const pageSourceDir = "page"

// joinPage returns page.js: the parts in dir, in the order of pageParts,
// as the body of one strict-mode closure. It fails when a .js file in dir
// is not a part, so that no source is left out unnoticed.
func joinPage(dir string) ([]byte, error) {
	onDisk, err := filepath.Glob(filepath.Join(dir, "*.js"))
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(pageParts))
	for _, p := range pageParts {
		listed[p] = true
	}
	var unlisted []string
	for _, f := range onDisk {
		if !listed[filepath.Base(f)] {
			unlisted = append(unlisted, filepath.Base(f))
		}
	}
	if len(unlisted) > 0 {
		sort.Strings(unlisted)
		return nil, fmt.Errorf("%s: %v not in pageParts (cmd/pack/page.go)", dir, unlisted)
	}
	var out bytes.Buffer
	out.WriteString("// SaveKeeper page layer, joined by cmd/pack from extension/page/ (its\n" +
		"// README.md says what each part does): edit the parts, not this file.\n" +
		"(() => {\n'use strict';\n")
	for _, p := range pageParts {
		src, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return nil, fmt.Errorf("page layer: %w", err)
		}
		fmt.Fprintf(&out, "\n// ==== %s\n\n", p)
		out.Write(bytes.TrimRight(src, "\n"))
		out.WriteString("\n")
	}
	out.WriteString("})();\n")
	return out.Bytes(), nil
}
