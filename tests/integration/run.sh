#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the integration tests (node:test) against build/leakscope, from the repo root.
# Needs root: the tests load BPF programs.  Extra arguments go to `node --test`, e.g.
#   tests/integration/run.sh --test-name-pattern=streams
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/integration/run.sh: must run as root (leakscope loads BPF programs)" >&2
	exit 1
fi
bin=${LEAKSCOPE:-build/leakscope}
if [ ! -x "$bin" ]; then
	echo "tests/integration/run.sh: $bin not found; run make first" >&2
	exit 1
fi
# One file at a time: the scenarios hold leaks for fixed times, and parallel runs on a small
# machine make those timings, not leakscope, decide the result.
failed=""
node --test --test-concurrency=1 "$@" tests/integration/ || failed=" $(node --version)"
# The scenarios that name JS functions again, on the official binaries of other node versions
# (scripts/fetch-node.sh: fetched once from the npm registry).  A version that cannot be fetched
# fails the run.  LEAKSCOPE_NODE_VERSIONS="" skips them.
versions=${LEAKSCOPE_NODE_VERSIONS-18 22 24 26}
for v in $versions; do
	echo "== node $v"
	if ! node_bin=$(bash scripts/fetch-node.sh "$v"); then
		failed="$failed $v(fetch)"
		continue
	fi
	LEAKSCOPE_NODE=$node_bin node --test --test-concurrency=1 "$@" \
		tests/integration/{streams,sockets,watchers,children,jsnames}.test.js ||
		failed="$failed $v"
done
if [ -n "$failed" ]; then
	echo "tests/integration/run.sh: failed on node version(s):$failed" >&2
	exit 1
fi
