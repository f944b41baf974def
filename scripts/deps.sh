#!/usr/bin/env bash
# Installs the Debian packages this project needs when any is missing (as root), or stops at once with the
# exact apt-get line to run. Sourced or run by scripts/demo, scripts/test and .ci/run.
set -euo pipefail

packages=(libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libcrypt-dev zlib1g-dev libxml2 prometheus openssl
    python3-prometheus-client)
[ "${1:-}" = "--with-bench" ] && packages+=(wrk curl nginx linux-perf bc time)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
