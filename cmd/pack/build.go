package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// browser is one build target.
type browser struct {
	name       string
	archiveExt string
	// drop lists manifest keys ("a.b" for nested) the browser does not know.
	drop []string
}

var browsers = []browser{
	{name: "chrome", archiveExt: ".zip", drop: []string{"author", "background.scripts", "browser_specific_settings"}},
	{name: "firefox", archiveExt: ".xpi", drop: []string{"background.service_worker", "minimum_chrome_version"}},
}

// wasmBuildFlags are the release flags the engine is built with: no file
// paths (-trimpath), no VCS stamp whatever go's default would do (a build
// from the source archive, which has no .git, must match one from a clone),
// no symbols, no build ID.
var wasmBuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

func buildEngine(out string) error {
	args := append([]string{"build"}, wasmBuildFlags...)
	args = append(args, "-o", out, "./wasm")
	cmd := exec.Command("go", args...)
	// Nothing from the caller's environment may change the bytes: only
	// the Go version does.
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=", "GOWASM=", "GOEXPERIMENT=")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the engine: %w", err)
	}
	return nil
}

// wasmExecJS returns the path of wasm_exec.js in the GOROOT of the go
// command on PATH, the one that built the engine.
func wasmExecJS() (string, error) {
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	for _, dir := range []string{"lib/wasm", "misc/wasm"} { // misc/wasm before Go 1.24
		p := filepath.Join(strings.TrimSpace(string(root)), dir, "wasm_exec.js")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("wasm_exec.js not found in %s", strings.TrimSpace(string(root)))
}

// stampManifest sets the version and removes the keys b does not know.
func stampManifest(src []byte, version string, b browser) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(src, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	m["version"] = version
	for _, key := range b.drop {
		parent, name := m, key
		if outer, inner, nested := strings.Cut(key, "."); nested {
			p, ok := m[outer].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("manifest.json: %s is not an object", outer)
			}
			parent, name = p, inner
		}
		delete(parent, name)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// copyTree copies the files under src to dst, leaving out the directories
// named in skip (relative to src).
func copyTree(src, dst string, skip ...string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			for _, s := range skip {
				if rel == s {
					return filepath.SkipDir
				}
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// zipTree writes the files under dir to a zip archive with sorted names and
// a fixed time, so that the same input gives the same bytes.
func zipTree(dir, archive string) error {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(archive)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	// The smallest deflate: the package is downloaded by every user.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, path := range names {
		rel, _ := filepath.Rel(dir, path)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: archiveTime})
		if err != nil {
			f.Close()
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(data); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
