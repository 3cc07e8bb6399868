#!/usr/bin/env bash
# Installs the Debian packages leakscope needs to build, test and benchmark, when missing.
# Quiet and quick when everything is there; needs root (or sudo) only to install.
set -euo pipefail
pkgs=(make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libcmocka-dev
      libuv1-dev wrk linux-perf nodejs)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A node binary on PATH (for example /usr/bin/node from another source) is as good as the package.
if command -v node >/dev/null 2>&1; then
	missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing missing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
