#!/usr/bin/env bash
# Installs the Debian packages this project needs when any is missing (as root), or stops at once with the
# exact apt-get line to run. Sourced or run by scripts/demo, scripts/test and .ci/run.
set -euo pipefail

packages=(libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libcrypt-dev zlib1g-dev libxml2 prometheus openssl
    python3-prometheus-client prometheus-alertmanager binutils)
[ "${1:-}" = "--with-bench" ] && packages+=(wrk curl nginx linux-perf bc time)

# The Python packages of dashboards/generate.py (dashboards/requirements.txt), into the python3 that CI runs.
if command -v python3 >/dev/null; then
    requirements="$(dirname "$0")/../dashboards/requirements.txt"
    if ! python3 - "$requirements" 2>/dev/null <<'PYTHON'
import importlib.metadata, sys
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        sys.exit(importlib.metadata.version(name) != version)
PYTHON
    then
        echo "Installing the Python packages of $requirements" >&2
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$requirements" || {
            echo "Install them with: python3 -m pip install -r $requirements" >&2
            exit 1
        }
    fi
fi

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
