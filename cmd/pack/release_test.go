package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gitRepo makes a repository in a new directory with files committed, and
// returns its path.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x"},
	} {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return dir
}

func TestSourceArchive(t *testing.T) {
	dir := gitRepo(t, map[string]string{
		"VERSION": "1.2.3\n", "go.mod": "module x\n", "a/b.txt": "b", "run.sh": "#!/bin/sh\n",
	})
	require.NoError(t, os.Chmod(filepath.Join(dir, "run.sh"), 0o755))
	require.NoError(t, os.Chmod(filepath.Join(dir, "go.mod"), 0o600)) // modes on disk do not matter
	require.NoError(t, os.WriteFile(filepath.Join(dir, "untracked.txt"), []byte("no"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "VERSION"), []byte("1.2.4\n"), 0o644))

	first := filepath.Join(t.TempDir(), "src.tar.gz")
	require.NoError(t, sourceArchive(dir, first, "savekeeper-1.2.4"))

	// Another day, other file times: the same bytes.
	later := time.Now().Add(48 * time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "a/b.txt"), later, later))
	second := filepath.Join(t.TempDir(), "src.tar.gz")
	require.NoError(t, sourceArchive(dir, second, "savekeeper-1.2.4"))
	a, err := os.ReadFile(first)
	require.NoError(t, err)
	b, err := os.ReadFile(second)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same files give the same archive")

	f, err := os.Open(first)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	got := map[string]string{}
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		names = append(names, hdr.Name)
		got[hdr.Name] = string(body)
		assert.Equal(t, archiveTime, hdr.ModTime.UTC(), hdr.Name)
		assert.Zero(t, hdr.Uid, hdr.Name)
		assert.Empty(t, hdr.Uname+hdr.Gname, "no owner's name: %s", hdr.Name)
		want := int64(0o644)
		if hdr.Name == "savekeeper-1.2.4/run.sh" {
			want = 0o755
		}
		assert.Equal(t, want, hdr.Mode, hdr.Name)
	}
	assert.Equal(t, []string{"savekeeper-1.2.4/VERSION", "savekeeper-1.2.4/a/b.txt", "savekeeper-1.2.4/go.mod", "savekeeper-1.2.4/run.sh"}, names,
		"every tracked file, sorted, nothing untracked")
	assert.Equal(t, "1.2.4\n", got["savekeeper-1.2.4/VERSION"], "files as they are in the working tree")
}

func TestSourceArchiveNeedsGit(t *testing.T) {
	err := sourceArchive(t.TempDir(), filepath.Join(t.TempDir(), "x.tar.gz"), "x")
	assert.ErrorContains(t, err, "needs a git checkout")
}

func TestPrepareRelease(t *testing.T) {
	files := map[string]string{
		"VERSION":      "0.1.0\n",
		"CHANGELOG.md": "# Changelog\n\n## [0.2.0] - 2026-12-01\n- new\n\n## [0.1.0]\n- first\n",
		"main.go":      "package main\n",
	}

	dir := gitRepo(t, files)
	assert.ErrorContains(t, prepareRelease(dir, "0.2"), `bad release version "0.2": want X.Y.Z`)
	assert.ErrorContains(t, prepareRelease(dir, "v0.2.0"), "want X.Y.Z")
	assert.ErrorContains(t, prepareRelease(dir, "0.3.0"), `CHANGELOG.md has no "## [0.3.0]" entry`)
	version, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "0.1.0\n", string(version), "a refused release changes nothing")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main // edited\n"), 0o644))
	assert.ErrorContains(t, prepareRelease(dir, "0.2.0"), "main.go has uncommitted changes")

	dir = gitRepo(t, files)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "untracked.txt"), []byte("x"), 0o644))
	require.NoError(t, prepareRelease(dir, "0.2.0"), "VERSION may change, untracked files are not part of it")
	v, err := readVersion(filepath.Join(dir, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "0.2.0", v)
	require.NoError(t, prepareRelease(dir, "0.2.0"), "again: VERSION differs from the commit, which is allowed")
	assert.ErrorContains(t, prepareRelease(dir, "0.1.0"), "0.1.0 is older than 0.2.0, the version in VERSION")
}

// TestPrepareReleaseStrayFiles: a file under extension/ that git does not
// track would go into the packages but not into the source archive.
func TestPrepareReleaseStrayFiles(t *testing.T) {
	files := map[string]string{
		"VERSION":            "0.1.0\n",
		"CHANGELOG.md":       "## [0.2.0]\n",
		".gitignore":         "*~\n",
		"extension/popup.js": "// popup\n",
	}
	for _, stray := range []string{"extension/new.js", "extension/popup.js~", "extension/icons/.DS_Store", "wasm/extra.go", "helper.go"} {
		dir := gitRepo(t, files)
		p := filepath.Join(dir, filepath.FromSlash(stray))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		assert.ErrorContains(t, prepareRelease(dir, "0.2.0"), stray+" is not tracked by git", stray)
	}
}

func TestOlderVersion(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		older bool
	}{
		{"0.1.0", "0.2.0", true},
		{"0.2.0", "0.2.0", false},
		{"0.10.0", "0.9.0", false},
		{"1.0.0", "0.9.9", false},
		{"0.2.0", "0.2.0.1", true},
		{"0.2.1", "0.2", false},
	} {
		assert.Equal(t, c.older, olderVersion(c.a, c.b), "%s before %s", c.a, c.b)
	}
}

func TestReadVersion(t *testing.T) {
	v, err := readVersion("../../VERSION")
	require.NoError(t, err)
	assert.Regexp(t, releaseVersion, v, "the repository's VERSION is a release version")

	bad := filepath.Join(t.TempDir(), "VERSION")
	require.NoError(t, os.WriteFile(bad, []byte("1.0-beta\n"), 0o644))
	_, err = readVersion(bad)
	assert.ErrorContains(t, err, `holds "1.0-beta": want 1 to 4 dot-separated integers`)
}

func TestWriteSumsAndRemoveOld(t *testing.T) {
	out := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(out, releaseDir("0.0.9")), 0o755))
	for _, name := range []string{"savekeeper-chrome.zip", "savekeeper-firefox-0.0.9.xpi", "SHA256SUMS", "keep.txt", "release-0.0.9/SHA256SUMS"} {
		require.NoError(t, os.WriteFile(filepath.Join(out, name), []byte("old"), 0o644))
	}
	require.NoError(t, removeOldPackages(out))
	left, err := filepath.Glob(filepath.Join(out, "*"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(out, "keep.txt"), filepath.Join(out, "release-0.0.9")}, left, "a build leaves a release alone")
	assert.FileExists(t, filepath.Join(out, "release-0.0.9", "SHA256SUMS"))

	pkg := filepath.Join(out, packageName(browsers[0], "1.2.3"))
	require.NoError(t, os.WriteFile(pkg, []byte("abc"), 0o644))
	require.NoError(t, writeSums(filepath.Join(out, "SHA256SUMS"), []string{pkg}))
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	require.NoError(t, err)
	// sha256("abc"), in sha256sum's format.
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  savekeeper-chrome-1.2.3.zip\n", string(sums))
	assert.Equal(t, "savekeeper-firefox-1.2.3.xpi", packageName(browsers[1], "1.2.3"))
	assert.Equal(t, "savekeeper-1.2.3-source.tar.gz", sourceName("1.2.3"))
}

func TestWriteRelease(t *testing.T) {
	dir := gitRepo(t, map[string]string{"VERSION": "1.2.3\n", "a.txt": "a"})
	out := t.TempDir()
	pkg := filepath.Join(out, packageName(browsers[0], "1.2.3"))
	require.NoError(t, os.WriteFile(pkg, []byte("abc"), 0o644))

	require.NoError(t, writeRelease(dir, out, "1.2.3", []string{pkg}))
	rel := filepath.Join(out, releaseDir("1.2.3"))
	entries, err := os.ReadDir(rel)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"SHA256SUMS", "savekeeper-1.2.3-source.tar.gz", "savekeeper-chrome-1.2.3.zip"}, names)
	sums, err := os.ReadFile(filepath.Join(rel, "SHA256SUMS"))
	require.NoError(t, err)
	assert.Regexp(t, `^ba7816bf\S+  savekeeper-chrome-1\.2\.3\.zip\n[0-9a-f]{64}  savekeeper-1\.2\.3-source\.tar\.gz\n$`, string(sums))
	left, err := filepath.Glob(filepath.Join(out, ".release-*"))
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary directory is left")

	// A release that fails (here: no git) leaves the one before as it was.
	require.Error(t, writeRelease(t.TempDir(), out, "1.2.3", []string{pkg}))
	again, err := os.ReadFile(filepath.Join(rel, "SHA256SUMS"))
	require.NoError(t, err)
	assert.Equal(t, sums, again)
	left, err = filepath.Glob(filepath.Join(out, ".release-*"))
	require.NoError(t, err)
	assert.Empty(t, left, "no temporary directory is left")
}

func TestInside(t *testing.T) {
	assert.True(t, inside("extension", "extension"))
	assert.True(t, inside("extension/out", "extension"))
	assert.True(t, inside("./extension/../extension/x", "extension"))
	assert.False(t, inside("dist", "extension"))
	assert.False(t, inside("extension-out", "extension"))
	assert.False(t, inside("..", "extension"))
}
