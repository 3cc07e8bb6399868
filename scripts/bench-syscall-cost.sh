#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What leakscope's syscall tracepoint costs a syscall it does not trace: the time of one
# getppid(), pinned to CPU CPU, without leakscope and with `leakscope record` attached to some
# other process (so the sys_exit program runs, tests the syscall number and returns).  This is
# what every process on the machine pays while leakscope runs, and what a keep-alive request
# pays per syscall.  Best of ROUNDS (5) loops of N (1000000) calls, each way, alternated.
# Root.  Figures quoted in the session notes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-syscall-cost: must run as root" >&2; exit 1; }
LEAKSCOPE=${LEAKSCOPE:-build/leakscope}
[ -x "$LEAKSCOPE" ] || { echo "bench-syscall-cost: $LEAKSCOPE not found; run make first" >&2; exit 1; }
N=${N:-1000000}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-0}
work=$(mktemp -d)
sleeper=""
tool=""
cleanup() {
	[ -n "$tool" ] && kill -INT "$tool" 2>/dev/null && wait "$tool" 2>/dev/null
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/sc.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int c, char **v)
{
	struct timespec a, b;
	long n = atol(v[1]);

	(void)c;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
C
cc -O2 -o "$work/sc" "$work/sc.c"
best() { sort -n | head -1; }
without=()
with=()
sleep 1000 &
sleeper=$!
for r in $(seq "$ROUNDS"); do
	without+=("$(taskset -c "$CPU" "$work/sc" "$N")")
	"$LEAKSCOPE" record -p "$sleeper" -o /dev/null 2>"$work/tool.err" &
	tool=$!
	for _ in $(seq 200); do grep -q "attached to" "$work/tool.err" && break; sleep 0.05; done
	with+=("$(taskset -c "$CPU" "$work/sc" "$N")")
	kill -INT "$tool"
	wait "$tool" || true
	tool=""
done
w0=$(printf '%s\n' "${without[@]}" | best)
w1=$(printf '%s\n' "${with[@]}" | best)
echo "getppid(): ${w0} ns without leakscope, ${w1} ns with it attached elsewhere:" \
     "+$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.1f", b - a }') ns per untraced syscall" \
     "(best of $ROUNDS x $N calls)"
