#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What one uprobe hit costs on this kernel, by the probed instruction: a `push %rbp` function
# entry (emulated by the kernel), an instruction that must be single-stepped (`lea`), and a
# 5-byte nop (optimized uprobes).  Uses `perf probe`, which needs tracefs: mounted for the run
# and unmounted after if it was not mounted before.  Root.  Figures quoted in docs/design.md.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench-uprobe-cost: must run as root" >&2; exit 1; }
command -v perf >/dev/null || { echo "bench-uprobe-cost: perf not found (linux-perf)" >&2; exit 1; }
N=${N:-100000}
work=$(mktemp -d)
mounted=""
cleanup() {
	perf probe -q -d 'probe_ub:*' >/dev/null 2>&1 || true
	[ -n "$mounted" ] && umount /sys/kernel/tracing
	rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/ub.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
__attribute__((noinline, naked)) int f_push(int x) { __asm__ volatile("push %rbp\n mov %rsp,%rbp\n lea 1(%rdi),%eax\n pop %rbp\n ret"); }
__attribute__((noinline, naked)) int f_lea(int x) { __asm__ volatile("lea 1(%rdi),%eax\n ret"); }
__attribute__((noinline, naked)) int f_nop5(int x) { __asm__ volatile(".byte 0x0f,0x1f,0x44,0x00,0x00\n lea 1(%rdi),%eax\n ret"); }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int c, char **v)
{
	int n = atoi(v[2]), s = 0;
	int (*f)(int) = v[1][0] == 'p' ? f_push : v[1][0] == 'l' ? f_lea : f_nop5;
	double t = now();
	for (int i = 0; i < n; i++)
		s += f(i);
	printf("%-5s %.2f us per call (%d)\n", v[1], (now() - t) * 1e6 / n, s & 1);
	return 0;
}
C
gcc -O2 -o "$work/ub" "$work/ub.c"
echo "without probes:"
for f in push lea nop5; do "$work/ub" $f "$N"; done
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing
	mounted=1
fi
for f in f_push f_lea f_nop5; do perf probe -q -x "$work/ub" $f; done
echo "with a uprobe on each function:"
for f in push lea nop5; do perf stat -e 'probe_ub:*' -o /dev/null "$work/ub" $f "$N"; done
