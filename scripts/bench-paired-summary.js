// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The summary of scripts/bench-paired.sh: argv = results.tsv, syscalls.tsv (load, servers'
// syscalls per request), ns an untraced syscall gains with the tool attached, rounds, seconds.
"use strict";
const fs = require("fs");

const [resultsFile, syscallsFile, syscallNsArg, rounds, secs] = process.argv.slice(2);
const rows = fs.readFileSync(resultsFile, "utf8").trim().split("\n").map((l) => l.split("\t"));
const head = rows.shift();
const recs = rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
const syscallsPerReq = Object.fromEntries(
	fs.readFileSync(syscallsFile, "utf8").trim().split("\n").filter(Boolean).map((l) => {
		const [load, n] = l.split("\t");
		return [load, Number(n)];
	}));
const syscallNs = Math.max(0, Number(syscallNsArg));
const num = (x) => (x === undefined || x === "n/a" || x === "" ? NaN : Number(x));

function median(xs) {
	const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
	if (!v.length)
		return NaN;
	const m = v.length >> 1;
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// 90 % interval of the median by resampling the rounds (a fixed seed: the same data prints
// the same interval).
function interval(xs) {
	const v = xs.filter(Number.isFinite);
	if (v.length < 3)
		return [NaN, NaN];
	let seed = 12345;
	const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	const meds = [];
	for (let i = 0; i < 2000; i++)
		meds.push(median(v.map(() => v[Math.floor(rand() * v.length)])));
	meds.sort((a, b) => a - b);
	return [meds[Math.floor(0.05 * meds.length)], meds[Math.floor(0.95 * meds.length)]];
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const withCi = (xs) => {
	const [lo, hi] = interval(xs);
	return fmt(median(xs)) + " [" + fmt(lo) + ", " + fmt(hi) + "]";
};

// One round seen from the server that was (or, in a control round, would have been) traced.
function side(r) {
	const t = r.traced, u = t === "A" ? "B" : "A";
	const reqT = num(r["req_" + t]), reqU = num(r["req_" + u]);
	const usT = (num(r["cpu_" + t]) * 1e6) / reqT, usU = (num(r["cpu_" + u]) * 1e6) / reqU;
	return { reqT, reqU, usT, usU, p99T: num(r["p99_" + t]), p99U: num(r["p99_" + u]),
		 err: num(r.err_A) + num(r.err_B), attach: num(r.attach_ms), lost: num(r.lost),
		 toolUs: (num(r.tool_cpu) * 1e6) / reqT };
}

console.log("\nleakscope overhead, paired servers: " + rounds + " traced and " + rounds +
	    " control rounds x " + secs + " s per load; medians [90 % interval]");
console.log("an untraced syscall gains " + fmt(syscallNs, 1) + " ns while the tool is attached (bench-syscall-cost.sh)");
for (const load of ["keepalive", "close"]) {
	const t = recs.filter((r) => r.load === load && r.mode === "traced").map(side);
	const c = recs.filter((r) => r.load === load && r.mode === "control").map(side);
	if (!t.length)
		continue;
	const name = load === "close" ? "Connection: close" : "keep-alive";
	const sharedUs = ((syscallsPerReq[load] || 0) * syscallNs) / 1000;
	console.log("\n" + name);
	console.log("  requests ratio, traced/other        " + withCi(t.map((s) => s.reqT / s.reqU)) +
		    "   control " + withCi(c.map((s) => s.reqT / s.reqU)));
	console.log("  CPU per request ratio, other/traced " + withCi(t.map((s) => s.usU / s.usT)) +
		    "   control " + withCi(c.map((s) => s.usU / s.usT)));
	console.log("  us per request: traced " + fmt(median(t.map((s) => s.usT)), 1) + ", other " +
		    fmt(median(t.map((s) => s.usU)), 1) + "; control " + fmt(median(c.map((s) => s.usT)), 1) +
		    " and " + fmt(median(c.map((s) => s.usU)), 1));
	console.log("  shared syscall cost: " + fmt(syscallsPerReq[load], 2) + " server syscalls/request x " +
		    fmt(syscallNs, 1) + " ns = " + fmt(sharedUs, 2) + " us/request");
	console.log("  corrected throughput ratio (other's us/req - shared) / traced us/req: " +
		    withCi(t.map((s) => (s.usU - sharedUs) / s.usT)));
	console.log("  the tool's own CPU while loaded: " + fmt(median(t.map((s) => s.toolUs)), 2) +
		    " us per traced request; charged to the traced server (as if they shared its CPU): " +
		    withCi(t.map((s) => (s.usU - sharedUs) / (s.usT + s.toolUs))));
	console.log("  p99 ms: traced " + fmt(median(t.map((s) => s.p99T)), 2) + ", other " +
		    fmt(median(t.map((s) => s.p99U)), 2) + "; control " + fmt(median(c.map((s) => s.p99T)), 2) +
		    " and " + fmt(median(c.map((s) => s.p99U)), 2) + "; p99 ratio, traced/other " +
		    withCi(t.map((s) => s.p99T / s.p99U)) + ", control " + withCi(c.map((s) => s.p99T / s.p99U)));
	console.log("  attach ms " + fmt(median(t.map((s) => s.attach)), 1) + ", lost events " +
		    t.map((s) => s.lost).filter(Number.isFinite).reduce((a, b) => a + b, 0) +
		    ", wrk errors " + [...t, ...c].reduce((a, s) => a + s.err, 0));
}
console.log("\nper round (traced server's requests/other's, other's us/req / traced's):");
for (const r of recs) {
	const s = side(r);
	console.log("  " + [r.load, r.mode, r.round, "traced=" + r.traced, "req " + fmt(s.reqT / s.reqU),
			    "cpu " + fmt(s.usU / s.usT), "us/req " + fmt(s.usT, 1) + "/" + fmt(s.usU, 1)].join(" "));
}
