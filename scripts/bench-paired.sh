#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What tracing costs a live node HTTP server, measured so that this VM's noise cancels out.
#
# scripts/bench-overhead.sh runs traced and untraced rounds one after the other; on these VMs
# the host's load swings a server's speed by +-20 % within seconds, so its ratios move by +-5 %
# from run to run.  Here two identical servers (scripts/bench-server.js) share one CPU
# (SERVER_CPU) and are loaded at the same time by two wrk processes on the other CPU
# (WRK_CPU): whatever the host does, it does to both.  In each "traced" round `leakscope
# record -p` is attached to one of them (A and B in turn, so a difference between the two
# processes cancels too); in each "control" round to neither, which shows what the method
# reads when nothing differs.  Per round: the traced server's requests over the other's, and
# the other's CPU time per request over the traced one's (both servers are always busy, so
# CPU per request is what throughput is the inverse of).
#
# One cost is shared by both servers and so does not show in a pair: while the tool is
# attached, every syscall on the machine takes the kernel's tracepoint slow path (sys_exit).
# It is measured apart and taken out: the servers' syscalls per request (perf stat on
# raw_syscalls:sys_enter during a control run) times what one untraced syscall gains
# (scripts/bench-syscall-cost.sh, getppid with and without the tool attached elsewhere).
# "corrected" = (untraced server's us/req - that cost) / traced server's us/req: the
# throughput ratio that the traced server would have against an untraced machine.
#
# Printed per load: medians of the per-round ratios with a 90 % bootstrap interval, the
# control rounds' median, p99 latency of each side, and the shared-cost correction.
#
# Environment: ROUNDS (10) traced rounds (as many control rounds, interleaved), SECS (5) per
# round, WARMUP (3) seconds, CONNS (16) wrk connections per server, SERVER_CPU (0), WRK_CPU
# (1), LOADS ("keepalive close"), LEAKSCOPE (build/leakscope), TOOL_ARGS (more record options),
# KEEP=DIR to keep raw outputs.  Needs root, 2 CPUs, node, wrk, taskset, perf.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

ROUNDS=${ROUNDS:-10}
SECS=${SECS:-5}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-16}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
LOADS=${LOADS:-keepalive close}
LEAKSCOPE=${LEAKSCOPE:-build/leakscope}
TOOL_ARGS=${TOOL_ARGS:-}
KEEP=${KEEP:-}

die() {
	echo "bench-paired: $*" >&2
	exit 1
}

for v in ROUNDS SECS WARMUP CONNS; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, not '${!v}'"
done
[ "$(id -u)" -eq 0 ] || die "must run as root (leakscope loads BPF programs)"
[ -x "$LEAKSCOPE" ] || die "$LEAKSCOPE not found; run make first"
for b in node wrk taskset perf; do
	command -v "$b" >/dev/null || die "$b not found (make deps installs it)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the servers share one, the wrk processes the other"

work=$(mktemp -d /tmp/leakscope-paired.XXXXXX)
pids=()
tool_pid=""

cleanup() {
	set +e
	if [ -n "$tool_pid" ]; then
		kill -INT "$tool_pid" 2>/dev/null
		wait "$tool_pid" 2>/dev/null
	fi
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/ && echo "raw outputs kept in $KEEP"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME: sets srv_pid[NAME] and srv_port[NAME]
declare -A srv_pid srv_port
start_server() {
	taskset -c "$SERVER_CPU" node scripts/bench-server.js >"$work/server.$1.out" 2>"$work/server.$1.err" &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q '"ready"' "$work/server.$1.out" 2>/dev/null && break
		sleep 0.1
	done
	srv_pid[$1]=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$work/server.$1.out")
	srv_port[$1]=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/server.$1.out")
	[ -n "${srv_port[$1]}" ] || die "server $1 not ready after 10 s: $(cat "$work/server.$1.err")"
}


# wrk output -> "requests p99_ms errors"
wrk_counts() {
	parse_wrk "$1" | awk '{ print $3, $2, $4 }'
}

# load_both LOAD SECONDS TAG: both servers under load at once; writes $work/wrk.TAG.{A,B}
# and sets cpu_used[A], cpu_used[B] (seconds over the run)
declare -A cpu_used
load_both() {
	local hdr=() c0a c0b w
	[ "$1" = close ] && hdr=(-H 'Connection: close')
	c0a=$(proc_cpu "${srv_pid[A]}")
	c0b=$(proc_cpu "${srv_pid[B]}")
	taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$2"s --timeout 5s --latency "${hdr[@]}" \
		"http://127.0.0.1:${srv_port[A]}/" >"$work/wrk.$3.A" 2>&1 &
	w=$!
	taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$2"s --timeout 5s --latency "${hdr[@]}" \
		"http://127.0.0.1:${srv_port[B]}/" >"$work/wrk.$3.B" 2>&1 || die "wrk failed: $(cat "$work/wrk.$3.B")"
	wait "$w" || die "wrk failed: $(cat "$work/wrk.$3.A")"
	cpu_used[A]=$(awk -v a="$c0a" -v b="$(proc_cpu "${srv_pid[A]}")" 'BEGIN { printf "%.3f", b - a }')
	cpu_used[B]=$(awk -v a="$c0b" -v b="$(proc_cpu "${srv_pid[B]}")" 'BEGIN { printf "%.3f", b - a }')
}

start_server A
start_server B
results="$work/results.tsv"
printf 'load\tmode\tround\ttraced\treq_A\tp99_A\terr_A\tcpu_A\treq_B\tp99_B\terr_B\tcpu_B\tattach_ms\ttool_cpu\tlost\n' >"$results"

echo "bench-paired: servers ${srv_pid[A]} and ${srv_pid[B]} on CPU $SERVER_CPU, two wrk on CPU $WRK_CPU," \
     "$CONNS connections each; $ROUNDS traced and $ROUNDS control rounds x ${SECS}s per load"

echo "== what an untraced syscall pays while the tool is attached elsewhere"
syscall_line=$(LEAKSCOPE="$LEAKSCOPE" CPU="$SERVER_CPU" bash scripts/bench-syscall-cost.sh)
echo "  $syscall_line"
syscall_ns=$(sed -n 's/.*: +\(-\{0,1\}[0-9.]*\) ns per untraced syscall.*/\1/p' <<<"$syscall_line")
[ -n "$syscall_ns" ] || die "could not read bench-syscall-cost.sh's figure"

declare -A syscalls_per_req
for load in $LOADS; do
	echo "== $load: warm-up ${WARMUP}s"
	load_both "$load" "$WARMUP" "warmup.$load"
	# The servers' syscalls per request, on their own (no tool): what the slow path multiplies.
	perf stat -x, -e raw_syscalls:sys_enter -p "${srv_pid[A]},${srv_pid[B]}" -o "$work/perf.$load" &
	perf_pid=$!
	sleep 0.5
	load_both "$load" 3 "count.$load"
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	n=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$work/perf.$load")
	req=$(( $(wrk_counts "$work/wrk.count.$load.A" | cut -d' ' -f1) + $(wrk_counts "$work/wrk.count.$load.B" | cut -d' ' -f1) ))
	syscalls_per_req[$load]=$(awk -v n="${n:-0}" -v r="$req" 'BEGIN { printf "%.2f", r ? n / r : 0 }')
	echo "  servers' syscalls per request: ${syscalls_per_req[$load]} (perf stat, $req requests)"
	for round in $(seq "$ROUNDS"); do
		traced=A
		[ $((round % 2)) -eq 0 ] && traced=B
		order="traced control"
		[ $((round % 4)) -ge 2 ] && order="control traced"
		for mode in $order; do
			echo "== $load: round $round/$ROUNDS $mode ($traced)"
			attach_ms=n/a
			lost=n/a
			if [ "$mode" = traced ]; then
				# shellcheck disable=SC2086 # TOOL_ARGS is a list of options
				"$LEAKSCOPE" record -p "${srv_pid[$traced]}" $TOOL_ARGS --format json \
					-o "$work/report.$load.$round.json" 2>"$work/tool.$load.$round.err" >/dev/null &
				tool_pid=$!
				for _ in $(seq 2000); do
					grep -q '^leakscope: attached to' "$work/tool.$load.$round.err" && break
					kill -0 "$tool_pid" 2>/dev/null || die "leakscope exited: $(cat "$work/tool.$load.$round.err")"
					sleep 0.01
				done
				attach_ms=$(sed -n 's/^leakscope: attached to .* in \([0-9.]*\) ms.*/\1/p' \
					"$work/tool.$load.$round.err")
				tool_cpu0=$(proc_cpu "$tool_pid")
			fi
			load_both "$load" "$SECS" "$load.$round.$mode"
			tool_cpu=n/a
			if [ -n "$tool_pid" ]; then
				tool_cpu=$(awk -v a="$tool_cpu0" -v b="$(proc_cpu "$tool_pid")" 'BEGIN { printf "%.3f", b - a }')
				kill -INT "$tool_pid"
				wait "$tool_pid" || true
				tool_pid=""
				lost=$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).lost_events) } catch { console.log("n/a") }' \
					"$work/report.$load.$round.json")
			fi
			# shellcheck disable=SC2046 # wrk_counts prints space-separated fields
			printf '%s\t' "$load" "$mode" "$round" "$traced" \
				$(wrk_counts "$work/wrk.$load.$round.$mode.A") "${cpu_used[A]}" \
				$(wrk_counts "$work/wrk.$load.$round.$mode.B") "${cpu_used[B]}" "${attach_ms:-n/a}" "$tool_cpu" >>"$results"
			printf '%s\n' "$lost" >>"$results"
		done
	done
done

printf '%s\n' "${!syscalls_per_req[@]}" | while read -r l; do
	printf '%s\t%s\n' "$l" "${syscalls_per_req[$l]}"
done >"$work/syscalls.tsv"

node scripts/bench-paired-summary.js "$results" "$work/syscalls.tsv" "$syscall_ns" "$ROUNDS" "$SECS"
