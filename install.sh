#!/usr/bin/env bash
# Install verify and everything it needs on Debian/Ubuntu, into ./.venv.
#
#   bash install.sh          # system packages (as root) + verify from a built wheel
#   bash install.sh --dev    # the same, editable, with the test and lint tools
#
# System packages come from apt-get only when one is missing, so a second run is quick.
# Set PYTHON to choose the interpreter (3.11 or newer), VENV to choose the folder.
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

apt_packages=(python3 python3-venv python3-pip tesseract-ocr tesseract-ocr-osd
              tesseract-ocr-rus tesseract-ocr-ukr tesseract-ocr-eng tesseract-ocr-fra)
# verify calls tesseract through its C++ API (tesserocr), built here against Debian's own
# libtesseract so that it is the same engine, and version, as the tesseract command.
apt_packages+=(libtesseract-dev libleptonica-dev pkg-config g++ python3-dev)
# Only the tests need these: a headless browser to open the HTML reports in, and the
# Liberation fonts the fixture generator (tests and benchmarks) sets letters in.
((dev)) && apt_packages+=(chromium fonts-liberation)
# The archive tests start a throwaway PostgreSQL cluster (initdb, pg_ctl) from Debian's
# server package; verify itself only needs the client library its psycopg wheel bundles.
((dev)) && apt_packages+=(postgresql)
missing=()
for package in "${apt_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install.sh: missing system packages: ${missing[*]}" >&2
        echo "install.sh: run as root, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "install.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "install.sh: $python is older than 3.11: set PYTHON=python3.11" >&2
    exit 1
fi
venv=${VENV:-.venv}
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# tesserocr's wheels carry a tesseract of their own; build it against the system's instead.
export PIP_NO_BINARY=tesserocr
if ((dev)); then
    "$venv/bin/python" -m pip install -q -e '.[dev]'
else
    "$venv/bin/python" -m pip install -q .
fi
echo "install.sh: verify installed in $venv ($("$venv/bin/verify" --version))" >&2
