#!/usr/bin/env bash
# make demo: trace the bundled leaky HTTP server (tests/scripts/demo-leaky-server.js) from start
# to exit and print the report.  Root is needed to load the BPF programs: sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "+ leakscope record -- node --perf-basic-prof --interpreted-frames-native-stack tests/scripts/demo-leaky-server.js"
# node --perf-basic-prof also writes isolate-*-v8.log files into its working directory
top=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
$sudo "$top/build/leakscope" record -- node --perf-basic-prof --interpreted-frames-native-stack \
	"$top/tests/scripts/demo-leaky-server.js"
