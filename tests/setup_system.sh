#!/usr/bin/env bash
# System packages the browser tests need beyond PyPI: Debian's chromium (Playwright cannot
# download its own browser here) and CJK fonts (without them Chinese renders as boxes).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # no -q: with pipefail, an early exit would read as "missing"
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing ${need[*]} for the browser tests…"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
