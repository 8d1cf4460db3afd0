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

# nginx is the TLS proxy in front of the organisation's hub (org.test.mjs),
# started per run from its own directory; certutil (libnss3-tools) trusts
# that run's test CA in a Chromium profile's HOME. chromium-l10n and
# firefox-esr-l10n-de let the browsers run in German (locale.test.mjs).
packages=(chromium chromium-l10n firefox-esr firefox-esr-l10n-de jupyter-notebook python3-jupyter-server python3-nbclassic python3-ipykernel python3-venv gcc libc6-dev nginx libnss3-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  # No daemon may start: nginx's postinst would start one on port 80. A
  # policy-rc.d that answers 101 tells invoke-rc.d not to (unless the
  # machine has its own).
  own_policy=yes
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=no
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || { [ $own_policy = yes ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ $own_policy = yes ] || rm -f /usr/sbin/policy-rc.d
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
