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
exec node --test --test-concurrency=1 "$@" tests/integration/
