// Command pack builds SaveKeeper for both browsers.
//
// Usage:
//
//	go run ./cmd/pack [-out dist] [-version 0.1.0]
//	go run ./cmd/pack -page file.js
//
// It compiles the engine (./wasm) with GOOS=js GOARCH=wasm, -trimpath and
// -ldflags="-s -w"; copies wasm_exec.js from the GOROOT of the same go
// command; joins the page layer's parts (extension/page/*.js, see
// pageParts) into page.js; and writes, under -out:
//
//	chrome/                    the unpacked Chrome extension
//	firefox/                   the unpacked Firefox extension
//	savekeeper-chrome.zip      chrome/ zipped, for the Chrome Web Store
//	savekeeper-firefox.xpi     firefox/ zipped, for addons.mozilla.org
//
// Both come from the one manifest.json at the repository root, stamped
// with -version. The Chrome copy drops the keys Chrome does not know
// (background.scripts, browser_specific_settings); the Firefox copy drops
// the ones Firefox does not (background.service_worker,
// minimum_chrome_version), so neither browser warns. Run it from the
// repository root.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("pack: ")
	out := flag.String("out", "dist", "output `directory`")
	version := flag.String("version", "0.1.0", "extension `version` (1 to 4 dot-separated integers)")
	pageOnly := flag.String("page", "", "write only the joined page layer to `file` (for make lint), and build nothing else")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if !regexp.MustCompile(`^\d{1,9}(\.\d{1,9}){0,3}$`).MatchString(*version) {
		log.Printf("bad -version %q: want 1 to 4 dot-separated integers", *version)
		os.Exit(2)
	}
	if *pageOnly != "" {
		page, err := joinPage(filepath.Join("extension", pageSourceDir))
		if err == nil {
			err = os.WriteFile(*pageOnly, page, 0o644)
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*out, *version); err != nil {
		log.Fatal(err)
	}
}

func run(out, version string) error {
	build, err := os.MkdirTemp("", "savekeeper-pack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(build)
	wasm := filepath.Join(build, "engine.wasm")
	if err := buildEngine(wasm); err != nil {
		return err
	}
	execJS, err := wasmExecJS()
	if err != nil {
		return err
	}
	manifest, err := os.ReadFile("manifest.json")
	if err != nil {
		return fmt.Errorf("run pack from the repository root: %w", err)
	}
	page, err := joinPage(filepath.Join("extension", pageSourceDir))
	if err != nil {
		return err
	}
	for _, b := range browsers {
		dir := filepath.Join(out, b.name)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		m, err := stampManifest(manifest, version, b)
		if err != nil {
			return err
		}
		if err := copyTree("extension", dir, pageSourceDir); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "page.js"), page, 0o644); err != nil {
			return err
		}
		files := map[string]string{"engine.wasm": wasm, "wasm_exec.js": execJS}
		for name, src := range files {
			if err := copyFile(src, filepath.Join(dir, name)); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), m, 0o644); err != nil {
			return err
		}
		archive := filepath.Join(out, "savekeeper-"+b.name+b.archiveExt)
		if err := zipTree(dir, archive); err != nil {
			return err
		}
		fmt.Printf("pack: %s/ and %s (version %s)\n", dir, archive, version)
	}
	return nil
}
