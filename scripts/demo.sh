#!/usr/bin/env bash
# make demo: trace the bundled leaky HTTP server (tests/scripts/demo-leaky-server.js) from start
# to exit and print the report.  node runs with no flag: JavaScript frames are named from its
# heap.  Root is needed to load the BPF programs: sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "+ leakscope record -- node tests/scripts/demo-leaky-server.js"
$sudo build/leakscope record -- node tests/scripts/demo-leaky-server.js
