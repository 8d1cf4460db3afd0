#!/usr/bin/env bash
# Installs what `make test` needs on Debian 12, when it is missing:
# Debian's browsers and Jupyter servers, the npm packages pinned in
# e2e/package-lock.json, and the current Jupyter releases pinned in
# e2e/python/requirements.lock, in a virtual environment (.venv at the repository root, outside e2e/
# whose package.json would make node read Jupyter's bundled scripts as ES
# modules) that
# is made again only when the lock file changes. Run as root (CI is).
set -euo pipefail
cd "$(dirname "$0")"

packages=(chromium firefox-esr jupyter-notebook python3-jupyter-server python3-nbclassic python3-ipykernel python3-venv gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# npm ci when node_modules was not installed from this exact lock file.
stamp=node_modules/.savekeeper-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# The virtual environment, made again when the lock file changes.
venv=../.venv
stamp=$venv/.savekeeper-lock.sha256
want=$(sha256sum python/requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-deps: python venv from e2e/python/requirements.lock"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv"/bin/pip install --quiet --disable-pip-version-check -r python/requirements.lock
  echo "$want" > "$stamp"
fi
