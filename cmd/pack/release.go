package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// archiveTime is the time every zip and tar entry carries, so that a
// rebuild on another day gives the same bytes.
var archiveTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	// manifestVersion is what a browser accepts as an extension's version.
	manifestVersion = regexp.MustCompile(`^\d{1,9}(\.\d{1,9}){0,3}$`)
	// releaseVersion is what a release is named with: X.Y.Z.
	releaseVersion = regexp.MustCompile(`^\d{1,9}\.\d{1,9}\.\d{1,9}$`)
)

// readVersion returns the version in file (the repository's VERSION).
func readVersion(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("run pack from the repository root: %w", err)
	}
	v := strings.TrimSpace(string(data))
	if !manifestVersion.MatchString(v) {
		return "", fmt.Errorf("%s holds %q: want 1 to 4 dot-separated integers", file, v)
	}
	return v, nil
}

// prepareRelease checks that the repository at root is ready to release
// version, then writes it into VERSION.
func prepareRelease(root, version string) error {
	if !releaseVersion.MatchString(version) {
		return fmt.Errorf("bad release version %q: want X.Y.Z, such as 0.2.0", version)
	}
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return err
	}
	if !regexp.MustCompile(`(?m)^## \[` + regexp.QuoteMeta(version) + `\]`).Match(changelog) {
		return fmt.Errorf("CHANGELOG.md has no \"## [%s]\" entry: say what changed first", version)
	}
	if current, err := readVersion(filepath.Join(root, "VERSION")); err == nil && olderVersion(version, current) {
		return fmt.Errorf("%s is older than %s, the version in VERSION: a release only goes forward", version, current)
	}
	changed, err := git(root, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return err
	}
	for _, name := range porcelainNames(changed) {
		if name != "VERSION" && name != "CHANGELOG.md" {
			return fmt.Errorf("%s has uncommitted changes: commit them first (only VERSION and CHANGELOG.md may differ), so the source archive is a commit's", name)
		}
	}
	// Every file under extension/ goes into the packages, and the Go files
	// make engine.wasm and the packing; one git does not track would be
	// missing from the source archive, and a reviewer's rebuild would not
	// match.
	args := append([]string{"status", "--porcelain", "--untracked-files=all", "--ignored=matching", "--"}, packedSources...)
	stray, err := git(root, args...)
	if err != nil {
		return err
	}
	if names := porcelainNames(stray, "??", "!!"); len(names) > 0 {
		return fmt.Errorf("%s is not tracked by git: it would go into the packages but not into the source archive; remove it or commit it", names[0])
	}
	return os.WriteFile(filepath.Join(root, "VERSION"), []byte(version+"\n"), 0o644)
}

// porcelainNames returns the file names in the output of git status
// --porcelain, of the lines with one of the status codes given (all
// lines when none is): "??" untracked, "!!" ignored.
func porcelainNames(status string, codes ...string) []string {
	var names []string
	for _, line := range strings.Split(status, "\n") {
		if len(line) > 3 && (len(codes) == 0 || slices.Contains(codes, line[:2])) {
			names = append(names, line[3:])
		}
	}
	return names
}

// olderVersion reports whether release version a (X.Y.Z) comes before b
// (1 to 4 numbers), comparing number by number.
func olderVersion(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// packedSources are the git pathspecs of what a build reads: the
// extension, the manifest, and the Go that makes engine.wasm and packs.
var packedSources = []string{"extension", "manifest.json", "wasm", "cmd/pack", "*.go", "go.mod", "go.sum", "VERSION"}

// packageName is the file name of b's package of version.
func packageName(b browser, version string) string {
	return "savekeeper-" + b.name + "-" + version + b.archiveExt
}

// sourceName is the file name of the source archive of version.
func sourceName(version string) string {
	return "savekeeper-" + version + "-source.tar.gz"
}

// releaseDir is the directory, under the output directory, that holds
// what is published of version.
func releaseDir(version string) string {
	return "release-" + version
}

// writeRelease writes out/release-<version>/: the packages (copies of
// those a build just wrote), the source archive of the repository at
// root, and their SHA256SUMS. It is written beside and
// renamed into place at the end, so a release that fails leaves no
// directory half written, and a later plain build leaves it alone.
func writeRelease(root, out, version string, packages []string) error {
	tmp, err := os.MkdirTemp(out, ".release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var files []string
	for _, p := range packages {
		dst := filepath.Join(tmp, filepath.Base(p))
		if err := copyFile(p, dst); err != nil {
			return err
		}
		files = append(files, dst)
	}
	archive := filepath.Join(tmp, sourceName(version))
	if err := sourceArchive(root, archive, "savekeeper-"+version); err != nil {
		return err
	}
	files = append(files, archive)
	if err := writeSums(filepath.Join(tmp, "SHA256SUMS"), files); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	final := filepath.Join(out, releaseDir(version))
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	fmt.Printf("pack: %s/: the packages, %s and SHA256SUMS\n", final, sourceName(version))
	return nil
}

// removeOldPackages removes the packages and SHA256SUMS that earlier
// builds left in out (not the release directories).
func removeOldPackages(out string) error {
	for _, pattern := range []string{"savekeeper-*.zip", "savekeeper-*.xpi", "SHA256SUMS"} {
		old, err := filepath.Glob(filepath.Join(out, pattern))
		if err != nil {
			return err
		}
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// sourceArchive writes every file git tracks under root, as it is in the
// working tree, into a gzipped tar at archive, under the directory prefix.
// Entries are sorted and carry archiveTime, owner 0 and mode 0644 (0755 for
// executables), so the same files give the same bytes.
func sourceArchive(root, archive, prefix string) error {
	listing, err := git(root, "ls-files", "-z", "--cached")
	if err != nil {
		return fmt.Errorf("the source archive needs a git checkout: %w", err)
	}
	names := strings.Split(strings.TrimRight(listing, "\x00"), "\x00")
	sort.Strings(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	for _, name := range names {
		path := filepath.Join(root, filepath.FromSlash(name))
		info, err := os.Lstat(path)
		if err != nil {
			return fmt.Errorf("git tracks %s: %w", name, err)
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("git tracks %s, which is not a regular file", name)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     prefix + "/" + name,
			Size:     int64(len(data)),
			Mode:     mode,
			ModTime:  archiveTime,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(archive, buf.Bytes(), 0o644)
}

// writeSums writes sha256sum's format for files (named by their base name,
// as they sit beside SHA256SUMS) into sums.
func writeSums(sums string, files []string) error {
	var b strings.Builder
	for _, f := range files {
		h := sha256.New()
		in, err := os.Open(f)
		if err != nil {
			return err
		}
		_, err = io.Copy(h, in)
		in.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), filepath.Base(f))
	}
	return os.WriteFile(sums, []byte(b.String()), 0o644)
}

// git runs git with args in dir and returns its standard output.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
