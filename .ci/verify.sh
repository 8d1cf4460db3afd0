#!/usr/bin/env bash
# make verify: is the release build reproducible? Builds the release of the
# committed HEAD twice, from two clean clones in different directories, at
# different times, each with an empty Go build cache, the second with
# another umask and time zone; then rebuilds the packages a third time from
# the first build's source archive (as a store reviewer would, with no
# .git). All three must give the same checksums. Uncommitted changes are
# not part of it: it verifies what git holds.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=$(git show HEAD:VERSION | tr -d '[:space:]')
work=$(mktemp -d "${TMPDIR:-/tmp}/savekeeper-verify.XXXXXX")
trap 'rm -rf "$work"' EXIT

build() { # build <dir> <target>: a release (or a plain build) in <dir>, with its own Go build cache
  (cd "$1" && GOCACHE="$work/cache-$(basename "$1")" make --no-print-directory "$2" VERSION="$version" >"$work/log-$(basename "$1")" 2>&1) ||
    { echo "verify: the build in $1 failed:"; tail -20 "$work/log-$(basename "$1")"; exit 1; }
}

release=dist/release-$version
git clone -q "$repo" "$work/a"
mkdir -p "$work/second/clone"
git clone -q "$repo" "$work/second/clone/b"
echo "verify: release $version of $(git rev-parse --short HEAD) with $(go env GOVERSION), in a clean clone (work directory $work, removed at the end)"
build "$work/a" release
sleep 2 # a later clock for the second build
echo "verify: the same in another clone, another directory, umask 077, TZ=Asia/Kolkata"
(umask 077; export TZ=Asia/Kolkata; build "$work/second/clone/b" release)
mkdir "$work/c"
tar -xzf "$work/a/$release/savekeeper-$version-source.tar.gz" -C "$work/c"
echo "verify: the packages again from the source archive (no .git)"
build "$work/c/savekeeper-$version" build

for f in "savekeeper-chrome-$version.zip" "savekeeper-firefox-$version.xpi" "savekeeper-$version-source.tar.gz" SHA256SUMS; do
  test -s "$work/a/$release/$f" || { echo "verify: the release has no $release/$f"; exit 1; }
done
echo
echo "first clone, $release/SHA256SUMS:"; cat "$work/a/$release/SHA256SUMS"
echo "second clone:"; cat "$work/second/clone/b/$release/SHA256SUMS"
echo "from the source archive, dist/SHA256SUMS:"; cat "$work/c/savekeeper-$version/dist/SHA256SUMS"
if ! cmp -s "$work/a/$release/SHA256SUMS" "$work/second/clone/b/$release/SHA256SUMS"; then
  echo "verify: FAILED: the two clones built different bytes"; exit 1
fi
if ! (cd "$work/a/$release" && sha256sum --quiet -c "$work/c/savekeeper-$version/dist/SHA256SUMS"); then
  echo "verify: FAILED: the source archive builds other packages than the clone"; exit 1
fi
echo "verify: ok: both clones and the source archive give the same checksums"
