#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What tracing costs a live node HTTP server: `leakscope record -p PID` attached to
# scripts/bench-server.js (pinned to CPU SERVER_CPU) while wrk (pinned to CPU WRK_CPU) loads it
# over 127.0.0.1, for two loads: keep-alive, and `Connection: close` (one accept, socket and
# close per request: the fd probes' worst case).  Each load gets a warm-up, then ROUNDS rounds
# of an untraced and a traced run, interleaved (and alternating which goes first) so drift
# hits both alike.  A traced run starts the tool, waits for its "leakscope: attached to N
# process(es) in X ms" line, runs wrk, then stops the tool with SIGINT.
#
# Printed per load: median requests/s and p99 latency, untraced and traced; their ratios
# (traced/untraced, median over rounds of each round's ratio); the server's own CPU time per
# request, untraced and traced, and the throughput that its ratio implies ("1/(us/req
# ratio)": steal time from the VM host blurs requests/s, not CPU time); attach time as the tool reports
# it; the tool's peak RSS and CPU time (/usr/bin/time -v, whole recording); uprobe hits,
# syscall hits and events per request (the report's "stats", over the whole recording, divided
# by wrk's request count); lost events.  "n/a" when the tool did not say.
#
# Environment: ROUNDS (3), SECS (5) per run, WARMUP (5) seconds, CONNS (16) wrk connections,
# SERVER_CPU (0), WRK_CPU (1), TOOL_CPUS (empty: unpinned; e.g. 1), NODE_FLAGS (none: a production
# server runs with no flag; extra node flags), LEAKSCOPE (build/leakscope), TOOL_ARGS (more record options, e.g.
# "--probes fds"), ATTACH_TIMEOUT (20) seconds, BPF_STATS (0; 1: turn on the kernel's BPF run-time
# statistics during traced runs and print, per BPF program of the tool, its runs per request
# and nanoseconds per run: what each probe family costs, free of this VM's noise; the
# statistics themselves add ~40 ns to every program run),
# KEEP=DIR to keep raw outputs.  Needs root, 2 CPUs, wrk, node, taskset, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-16}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
TOOL_CPUS=${TOOL_CPUS:-}
NODE_FLAGS=${NODE_FLAGS:-}
LEAKSCOPE=${LEAKSCOPE:-build/leakscope}
ATTACH_TIMEOUT=${ATTACH_TIMEOUT:-20}
KEEP=${KEEP:-}
BPF_STATS=${BPF_STATS:-0}
TOOL_ARGS=${TOOL_ARGS:-}

die() {
	echo "bench-overhead: $*" >&2
	exit 1
}

for v in ROUNDS SECS WARMUP CONNS ATTACH_TIMEOUT; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, not '${!v}'"
done
[ "$(id -u)" -eq 0 ] || die "must run as root (leakscope loads BPF programs)"
[ -x "$LEAKSCOPE" ] || die "$LEAKSCOPE not found; run make first"
for b in node wrk taskset /usr/bin/time; do
	command -v "$b" >/dev/null || die "$b not found (make deps installs it)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the server and wrk each get one"

work=$(mktemp -d /tmp/leakscope-bench.XXXXXX)
server_pid=""
node_pid=""
wrk_pid=""
time_pid=""
tool_pid=""

# Ends what we started, by pid: the tool (SIGINT first, so it detaches), wrk, the server.
cleanup() {
	set +e
	if [ -n "$tool_pid" ] && kill -0 "$tool_pid" 2>/dev/null; then
		kill -INT "$tool_pid"
		for _ in $(seq 50); do kill -0 "$tool_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$tool_pid" 2>/dev/null
	fi
	[ -n "$time_pid" ] && wait "$time_pid" 2>/dev/null
	[ -n "$wrk_pid" ] && kill -TERM "$wrk_pid" 2>/dev/null && wait "$wrk_pid" 2>/dev/null
	[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null
	[ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	# --perf-basic-prof's map, never removed by node
	[ -n "$node_pid" ] && rm -f "/tmp/perf-$node_pid.map"
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/ && echo "raw outputs kept in $KEEP"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# In $work: node --perf-basic-prof leaves isolate-*-v8.log files in its working directory.
# shellcheck disable=SC2086 # NODE_FLAGS is a list of flags
(cd "$work" && exec taskset -c "$SERVER_CPU" node $NODE_FLAGS "$OLDPWD/scripts/bench-server.js") \
	>"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
	grep -q '"ready"' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || die "server died: $(cat "$work/server.err")"
	sleep 0.1
done
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/server.out")
[ -n "$port" ] || die "server not ready after 10 s"
# The pid to trace is the one node reports: $! is the launcher's, which a wrapper may not exec.
node_pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$work/server.out")
if [ "$node_pid" != "$server_pid" ]; then
	echo "bench-overhead: note: server pid $node_pid (launcher $server_pid)" >&2
fi
url="http://127.0.0.1:$port/"

# run_wrk LOAD SECONDS OUTFILE
run_wrk() {
	local hdr=()
	[ "$1" = close ] && hdr=(-H 'Connection: close')
	taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$2"s --timeout 5s --latency "${hdr[@]}" \
		"$url" >"$3" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || die "wrk failed: $(cat "$3")"
	wrk_pid=""
}

# report.json -> "uprobe_hits gc_hits syscall_hits events lost_events mem_hits buffer_hits",
# n/a for what is missing
parse_report() {
	node -e '
	let r = {};
	try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch {}
	const s = r.stats || {};
	const v = (x) => (typeof x === "number" ? x : "n/a");
	console.log([v(s.uprobe_hits), v(s.gc_hits), v(s.syscall_hits), v(s.events), v(r.lost_events),
		     v(s.mem_hits), v(s.buffer_hits)].join(" "));
	' "$1"
}

# /usr/bin/time -v output -> "peak_rss_kb cpu_s exit_status"
parse_time() {
	awk -F': ' '
	/Maximum resident set size/ { rss = $2 }
	/User time/ { cpu += $2 }
	/System time/ { cpu += $2 }
	/Exit status/ { st = $2 }
	END { printf "%s %s %s\n", rss != "" ? rss : "n/a", cpu != "" ? cpu : "n/a", st != "" ? st : "n/a" }
	' "$1" 2>/dev/null || echo "n/a n/a n/a"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# One tab-separated line of results.tsv.
row() {
	local IFS=$'\t'
	echo "$*"
}

results="$work/results.tsv"
row load mode round rps p99_ms requests errors attach_ms attach_wall_ms rss_kb cpu_s \
	uprobe_hits gc_hits syscall_hits events lost mem_hits buffer_hits tool_exit progs \
	server_cpu_s >"$results"

# The server's CPU time (user + system, /proc/PID/stat), in seconds.  Its CPU per request is
# the overhead on the traced process that this VM's steal time does not blur: a vCPU that the
# host runs elsewhere loses throughput, not CPU time.
server_cpu() {
	proc_cpu "$node_pid"
}

# BPF programs that process $1 holds (the prog_id lines of its fds' fdinfo) ->
# "name:runs:ns,..."; "n/a" without stats
prog_stats() {
	[ "$BPF_STATS" = 1 ] || { echo n/a; return; }
	local ids
	ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | tr '\n' ' ')
	bpftool prog show -j 2>/dev/null | node -e '
	let progs = [];
	try { progs = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch {}
	const ids = new Set(process.argv[1].split(" ").filter(Boolean).map(Number));
	const mine = progs.filter((p) => ids.has(p.id));
	const by = {};
	for (const p of mine) {
		const b = (by[p.name] ??= { runs: 0, ns: 0 });
		b.runs += p.run_cnt || 0;
		b.ns += p.run_time_ns || 0;
	}
	const s = Object.entries(by).filter(([, b]) => b.runs).map(([n, b]) => n + ":" + b.runs + ":" + b.ns);
	console.log(s.length ? s.join(",") : "n/a");
	' "$ids"
}

# traced_run LOAD ROUND: one wrk run with the tool attached; appends a line to $results
traced_run() {
	local load=$1 round=$2 tag="$1.$2"
	local pin=()
	[ -n "$TOOL_CPUS" ] && pin=(taskset -c "$TOOL_CPUS")
	local t0 attached="" attach_ms="n/a" attach_wall="n/a"
	t0=$(now_ms)
	# shellcheck disable=SC2086 # TOOL_ARGS is a list of options
	"${pin[@]}" /usr/bin/time -v -o "$work/time.$tag" "$LEAKSCOPE" record -p "$node_pid" $TOOL_ARGS \
		--format json -o "$work/report.$tag.json" 2>"$work/tool.$tag.err" >/dev/null &
	time_pid=$!
	for _ in $(seq $((ATTACH_TIMEOUT * 100))); do
		[ -z "$tool_pid" ] && tool_pid=$(pgrep -P "$time_pid" || true)
		attached=$(grep -m1 -E '^leakscope: attached to [0-9]+ process(es|\(es\))? in [0-9.]+ ms' \
			"$work/tool.$tag.err" || true)
		[ -n "$attached" ] && break
		kill -0 "$time_pid" 2>/dev/null || break
		sleep 0.01
	done
	if [ -n "$attached" ]; then
		attach_wall=$(($(now_ms) - t0))
		attach_ms=$(sed -E 's/.* in ([0-9.]+) ms.*/\1/' <<<"$attached")
	elif kill -0 "$time_pid" 2>/dev/null; then
		echo "  (no attached line after ${ATTACH_TIMEOUT}s; measuring anyway)" >&2
	else
		wait "$time_pid" || true
		time_pid=""
		die "leakscope exited before attaching: $(cat "$work/tool.$tag.err")"
	fi
	[ -z "$tool_pid" ] && tool_pid=$(pgrep -P "$time_pid" || true)
	[ "$BPF_STATS" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=1
	local c0 c1
	c0=$(server_cpu)
	run_wrk "$load" "$SECS" "$work/wrk.traced.$tag"
	c1=$(server_cpu)
	local progs
	progs=$(prog_stats "$tool_pid")
	[ "$BPF_STATS" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=0
	[ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null
	for _ in $(seq 300); do kill -0 "$time_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$time_pid" 2>/dev/null; then
		echo "  leakscope did not stop 30 s after SIGINT; killing it" >&2
		kill -KILL "$tool_pid" 2>/dev/null || true
	fi
	wait "$time_pid" || true
	time_pid=""
	tool_pid=""
	# shellcheck disable=SC2046 # the parse_* outputs are space-separated fields
	row "$load" traced "$round" $(parse_wrk "$work/wrk.traced.$tag") "$attach_ms" "$attach_wall" \
		$(parse_time "$work/time.$tag" | cut -d' ' -f1,2) \
		$(parse_report "$work/report.$tag.json") \
		"$(parse_time "$work/time.$tag" | cut -d' ' -f3)" "$progs" \
		"$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')" >>"$results"
	if [ -s "$work/tool.$tag.err" ] && grep -qvE "^leakscope: (attached|recording until)" "$work/tool.$tag.err"; then
		echo "  leakscope stderr ($tag): $(grep -vE "^leakscope: (attached|recording until)" "$work/tool.$tag.err" | head -3)" >&2
	fi
}

untraced_run() {
	local load=$1 round=$2
	local c0 c1
	c0=$(server_cpu)
	run_wrk "$load" "$SECS" "$work/wrk.untraced.$load.$round"
	c1=$(server_cpu)
	# shellcheck disable=SC2046
	row "$load" untraced "$round" $(parse_wrk "$work/wrk.untraced.$load.$round") \
		n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a \
		"$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')" >>"$results"
}

echo "bench-overhead: server pid $node_pid on CPU $SERVER_CPU ($url), wrk on CPU $WRK_CPU," \
     "tool on ${TOOL_CPUS:-any CPU}; $ROUNDS rounds x ${SECS}s per mode, ${WARMUP}s warm-up," \
     "$CONNS connections"
for load in ${LOADS:-keepalive close}; do
	echo "== $load: warm-up ${WARMUP}s"
	run_wrk "$load" "$WARMUP" "$work/wrk.warmup.$load"
	for round in $(seq "$ROUNDS"); do
		# Odd rounds run untraced first, even rounds traced first, so neither mode always
		# follows the warm-up or the other mode's tail.
		order="untraced traced"
		[ $((round % 2)) -eq 0 ] && order="traced untraced"
		for mode in $order; do
			echo "== $load: round $round/$ROUNDS $mode"
			"${mode}_run" "$load" "$round"
		done
	done
done

# Summary: medians over rounds.  Ratios are per round (traced vs the untraced run of the same
# round), then the median of those.
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t"));
const head = rows.shift();
const recs = rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
const num = (x) => (x === undefined || x === "n/a" || x === "" ? NaN : Number(x));
const median = (xs) => {
	const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (!v.length) return NaN;
	const m = v.length >> 1;
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const cols = ["load", "rps untraced", "rps traced", "rps ratio", "srv us/req untr", "srv us/req traced",
	      "1/(us/req ratio)", "p99 ms untr", "p99 ms traced",
	      "p99 ratio", "attach ms", "peak RSS MB", "tool CPU s", "uprobe/req", "gc hits/req", "syscall/req",
	      "mem hits/req", "buffer hits/req",
	      "events/req", "lost events", "wrk errors"];
const out = [cols];
for (const load of ["keepalive", "close"]) {
	const u = recs.filter((r) => r.load === load && r.mode === "untraced");
	const t = recs.filter((r) => r.load === load && r.mode === "traced");
	const ratio = (k) => median(t.map((r, i) => num(r[k]) / num(u[i] && u[i][k])));
	const cpuPerReq = (r) => (num(r.server_cpu_s) * 1e6) / num(r.requests);
	const perReq = (k) => median(t.map((r) => num(r[k]) / num(r.requests)));
	const lost = t.map((r) => num(r.lost)).filter(Number.isFinite);
	out.push([load === "close" ? "Connection: close" : "keep-alive",
		  fmt(median(u.map((r) => num(r.rps))), 0), fmt(median(t.map((r) => num(r.rps))), 0),
		  fmt(ratio("rps"), 3),
		  fmt(median(u.map(cpuPerReq)), 1), fmt(median(t.map(cpuPerReq)), 1),
		  fmt(median(t.map((r, i) => (u[i] ? cpuPerReq(u[i]) / cpuPerReq(r) : NaN))), 3),
		  fmt(median(u.map((r) => num(r.p99_ms)))), fmt(median(t.map((r) => num(r.p99_ms)))),
		  fmt(ratio("p99_ms"), 3),
		  fmt(median(t.map((r) => num(r.attach_ms))), 1),
		  fmt(Math.max(...t.map((r) => num(r.rss_kb)).filter(Number.isFinite)) / 1024, 1),
		  fmt(median(t.map((r) => num(r.cpu_s)))),
		  fmt(perReq("uprobe_hits")), fmt(perReq("gc_hits")), fmt(perReq("syscall_hits")),
		  fmt(perReq("mem_hits"), 3), fmt(perReq("buffer_hits"), 3), fmt(perReq("events")),
		  lost.length ? String(lost.reduce((a, b) => a + b, 0)) : "n/a",
		  String([...u, ...t].reduce((a, r) => a + num(r.errors), 0))]);
}
const w = cols.map((_, i) => Math.max(...out.map((r) => r[i].length)));
console.log("\nleakscope overhead, medians of " + process.argv[2] + " rounds x " + process.argv[3] + " s (ratios: traced/untraced, per round)");
for (const r of out) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  "));
for (const load of ["keepalive", "close"]) {
	const t = recs.filter((r) => r.load === load && r.mode === "traced" && r.progs && r.progs !== "n/a");
	if (!t.length)
		continue;
	const by = {};
	for (const r of t)
		for (const part of r.progs.split(",")) {
			const [name, runs, ns] = part.split(":");
			const b = (by[name] ??= { runs: 0, ns: 0, req: 0 });
			b.runs += Number(runs);
			b.ns += Number(ns);
		}
	const req = t.reduce((a, r) => a + num(r.requests), 0);
	console.log("\nBPF run time by program, " + (load === "close" ? "Connection: close" : "keep-alive") +
		    " (all traced rounds; sys_exit runs for every syscall on the machine, wrk too):");
	for (const [name, b] of Object.entries(by).sort((x, y) => y[1].ns - x[1].ns))
		console.log("  " + name.padEnd(18) + (b.runs / req).toFixed(2).padStart(8) + " runs/req " +
			    (b.ns / b.runs).toFixed(0).padStart(7) + " ns/run " + (b.ns / req / 1000).toFixed(2).padStart(7) + " us/req");
}
const exits = recs.filter((r) => r.mode === "traced" && r.tool_exit !== "0");
if (exits.length)
	console.log("\nleakscope exit status != 0 in " + exits.length + " traced run(s): " + exits.map((r) => r.load + "#" + r.round + "=" + r.tool_exit).join(", "));
console.log("\nper run:");
for (const r of recs)
	console.log("  " + [r.load, r.mode, r.round, "rps=" + r.rps, "p99=" + r.p99_ms + "ms", "req=" + r.requests, "err=" + r.errors,
			    r.mode === "traced" ? "attach=" + r.attach_ms + "ms(wall " + r.attach_wall_ms + "ms) rss=" + r.rss_kb + "kB cpu=" + r.cpu_s + "s uprobe=" + r.uprobe_hits + " syscall=" + r.syscall_hits + " events=" + r.events + " lost=" + r.lost : ""].join(" "));
' "$results" "$ROUNDS" "$SECS"
