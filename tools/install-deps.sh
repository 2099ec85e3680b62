#!/usr/bin/env bash
# Installs the Debian 12 packages mapsmith needs to build and test (uses sudo when not root).
set -euo pipefail
packages=(
  cmake ninja-build g++ clang libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  libfmt-dev libcli11-dev nlohmann-json3-dev
  libsqlite3-dev libcurl4-openssl-dev libcpp-httplib-dev libre2-dev
  zlib1g-dev  # the importer reads gzipped Legion Prof logs
  chromium  # the report's browser tests (src/report/report_browser_test.cpp) run it headless
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: ${#packages[@]} packages installed"
