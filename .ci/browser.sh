#!/usr/bin/env bash
# Installs what the browser journey needs: Debian's chromium and a Chinese font (so the
# screenshots show the text), and playwright-core from the npm registry at the locked version.
# `npx playwright install` cannot download browsers here; Debian's chromium is used instead.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} from debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi
npm ci --prefix tests/browser --no-audit --no-fund >&2
