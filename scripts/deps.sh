#!/usr/bin/env bash
# Installs the Debian packages lawful needs to build and test, if any are missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build python3
  antlr4 libantlr4-runtime-dev
  libfmt-dev doctest-dev libsimdjson-dev libcli11-dev libbenchmark-dev
  nlohmann-json3-dev # explain's JSON writer (runtime/vm/explain.cpp)
  libtomlplusplus-dev # mapping files (compiler/mapping/, docs/mappings.md): TOML, header-only
  clang libclang-rt-14-dev
  libz3-dev          # lawful verify (verify/): the Z3 SMT solver
  llvm-14-dev        # the native back end (runtime/jit): LLVM 14, as the clang of the fuzz build
  pkgconf binutils   # the API install test: pkg-config, nm; pkg-config finds cpp-httplib too
  # The Python module (python/, LAWFUL_PYTHON) and its tests, for Debian's python3:
  # pybind11 and Python's headers to build it, pytest to test it, pandas for
  # decide_frame, distributed (with dask) for lawful.dask and its LocalCluster test.
  pybind11-dev python3-dev python3-pytest python3-pandas python3-distributed
  libcpp-httplib-dev libssl-dev  # lawful serve (server/): HTTP/1.1, and SHA-256 for its decision log
  chromium chromium-driver python3-selenium  # headless browser tests: the playground (tests/server), the reports (tests/cli/report_browser_test.py)
  wrk                # bench/serve: decisions a second over HTTP
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "scripts/deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
