#!/usr/bin/env bash
# What the browser tests (tests/browser) need: Debian's chromium and
# chromium-driver, and axe-core from npm (pinned in package-lock.json).
# `make test` runs this; it installs what is missing, or says how.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "browser tests: installing Debian's chromium and chromium-driver"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null; }
    else
        echo "browser tests: Chromium and ChromeDriver are missing. Install them as root:" >&2
        echo "    apt-get install chromium chromium-driver" >&2
        exit 1
    fi
fi
if ! command -v npm >/dev/null; then
    echo "browser tests: npm is missing (axe-core comes from the npm registry):" >&2
    echo "    apt-get install nodejs npm" >&2
    exit 1
fi
npm ci --no-audit --no-fund --silent
touch node_modules/.installed
