#!/usr/bin/env bash
# Installs what the integration tests need that pip does not bring: Debian's
# Chromium (a real browser for the HTML pages), Debian's Virtuoso (a second real
# triplestore), Java (HermiT, owlready2's reasoner) and Comunica 4 (a real SPARQL
# client) from npm. Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v virtuoso-t >/dev/null 2>&1 || need_apt+=(virtuoso-opensource)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/comunica-sparql ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "installing Comunica and axe-core (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
