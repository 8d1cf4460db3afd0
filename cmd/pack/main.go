// Command pack builds SaveKeeper for both browsers, and its releases.
//
// Usage:
//
//	go run ./cmd/pack [-out dist]
//	go run ./cmd/pack -release 0.2.0 [-out dist]
//	go run ./cmd/pack -page file.js
//
// It compiles the engine (./wasm) with GOOS=js GOARCH=wasm and the flags in
// wasmBuildFlags (no paths, no VCS stamp, no build ID: the same source and
// Go version give the same bytes); copies wasm_exec.js from the GOROOT of
// the same go command; joins the page layer's parts (extension/page/*.js,
// see pageParts) into page.js; and writes, under -out:
//
//	chrome/                          the unpacked Chrome extension
//	firefox/                         the unpacked Firefox extension
//	savekeeper-chrome-X.Y.Z.zip      chrome/ zipped, for the Chrome Web Store
//	savekeeper-firefox-X.Y.Z.xpi     firefox/ zipped, for addons.mozilla.org
//	SHA256SUMS                       the checksums of the files above
//
// The version is the one in the VERSION file. -release sets it first: it
// checks that CHANGELOG.md has a "## [X.Y.Z]" entry, that the version does
// not go back, that git has no other uncommitted change and tracks every
// file the build reads, writes VERSION, builds as above, and writes what
// is published into release-X.Y.Z/: the two packages,
// savekeeper-X.Y.Z-source.tar.gz (every file git tracks, as they are in
// the working tree; for addons.mozilla.org's reviewers) and their
// SHA256SUMS. A plain build leaves release directories alone. Zip and tar
// entries are sorted and carry a fixed time, so a rebuild gives the same
// checksums (make verify checks that).
//
// Both packages come from the one manifest.json at the repository root,
// stamped with the version. The Chrome copy drops the keys Chrome does not
// use (author, background.scripts, browser_specific_settings); the Firefox copy
// drops the ones Firefox does not (background.service_worker,
// minimum_chrome_version), so neither browser warns. Run it from the
// repository root.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("pack: ")
	out := flag.String("out", "dist", "output `directory`")
	release := flag.String("release", "", "set VERSION to `X.Y.Z`, then build the packages and the source archive")
	pageOnly := flag.String("page", "", "write only the joined page layer to `file` (for make lint), and build nothing else")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
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
	if inside(*out, "extension") {
		log.Fatalf("-out %s is inside extension/, which is what gets packed", *out)
	}
	before, err := os.ReadFile("VERSION")
	if err != nil {
		log.Fatal(fmt.Errorf("run pack from the repository root: %w", err))
	}
	if *release != "" {
		if err := prepareRelease(".", *release); err != nil {
			log.Fatal(err)
		}
	}
	version, err := readVersion("VERSION")
	var packages []string
	if err == nil {
		packages, err = run(*out, version)
	}
	if err == nil && *release != "" {
		err = writeRelease(".", *out, version, packages)
	}
	if err != nil {
		if *release != "" {
			_ = os.WriteFile("VERSION", before, 0o644) // a failed release leaves VERSION as it was
		}
		log.Fatal(err)
	}
	if *release != "" && strings.TrimSpace(string(before)) != version {
		fmt.Printf("pack: VERSION is now %s: commit it with CHANGELOG.md, tag the commit v%s, and publish %s\n",
			version, version, filepath.Join(*out, releaseDir(version)))
	}
}

// inside reports whether path is dir or a path under it.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// run builds both packages of version under out, with their SHA256SUMS,
// and returns the packages' paths. Packages of earlier builds under out
// are removed first, so SHA256SUMS speaks for all of them.
func run(out, version string) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := removeOldPackages(out); err != nil {
		return nil, err
	}
	build, err := os.MkdirTemp("", "savekeeper-pack-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(build)
	wasm := filepath.Join(build, "engine.wasm")
	if err := buildEngine(wasm); err != nil {
		return nil, err
	}
	execJS, err := wasmExecJS()
	if err != nil {
		return nil, err
	}
	manifest, err := os.ReadFile("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("run pack from the repository root: %w", err)
	}
	page, err := joinPage(filepath.Join("extension", pageSourceDir))
	if err != nil {
		return nil, err
	}
	var written []string
	for _, b := range browsers {
		dir := filepath.Join(out, b.name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		m, err := stampManifest(manifest, version, b)
		if err != nil {
			return nil, err
		}
		if err := copyTree("extension", dir, pageSourceDir); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "page.js"), page, 0o644); err != nil {
			return nil, err
		}
		files := map[string]string{"engine.wasm": wasm, "wasm_exec.js": execJS}
		for name, src := range files {
			if err := copyFile(src, filepath.Join(dir, name)); err != nil {
				return nil, err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), m, 0o644); err != nil {
			return nil, err
		}
		archive := filepath.Join(out, packageName(b, version))
		if err := zipTree(dir, archive); err != nil {
			return nil, err
		}
		written = append(written, archive)
		fmt.Printf("pack: %s/ and %s (version %s)\n", dir, archive, version)
	}
	if err := writeSums(filepath.Join(out, "SHA256SUMS"), written); err != nil {
		return nil, err
	}
	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION: %w", err)
	}
	fmt.Printf("pack: %s (engine built with %s: a rebuild gives these checksums with the same Go)\n",
		filepath.Join(out, "SHA256SUMS"), strings.TrimSpace(string(goVersion)))
	return written, nil
}
