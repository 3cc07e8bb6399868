// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// V8 garbage collections seen from outside (uprobes on Heap::PerformGarbageCollection) must
// match what V8 itself prints with --trace-gc, in the same run.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

// "[pid:0x...]  46 ms: Scavenge 3.9 (4.0) -> 3.5 (5.0) MB, 4.61 / 0.00 ms  (...)"
const TRACE_RE = /^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Minor Mark-Compact|Minor Mark-Sweep|Mark-Sweep)\b.*?MB, ([0-9.]+) \/ [0-9.]+ ms/;
const KIND = {
	Scavenge: 'scavenge',
	'Mark-Compact': 'mark_compact',
	'Mark-Compact (reduce)': 'mark_compact',
	'Mark-Sweep': 'mark_compact',
	'Minor Mark-Compact': 'minor_mark_compact',
	'Minor Mark-Sweep': 'minor_mark_compact',
};

test('gc__churn_and_full_gcs__counts_and_pauses_match_trace_gc', async () => {
	const r = await L.recordCommand('gc-churn.js', { nodeFlags: ['--trace-gc', '--expose-gc'] });
	L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(proc.probes.gc, 'attached');
	const expected = { scavenge: 0, mark_compact: 0, minor_mark_compact: 0 };
	let pauseMs = 0;
	for (const line of r.stdout.split('\n')) {
		const m = TRACE_RE.exec(line);
		if (!m)
			continue;
		expected[KIND[m[1]]]++;
		pauseMs += Number(m[2]);
	}
	assert.ok(expected.scavenge >= 3, `too few scavenges to compare:\n${r.stdout.slice(0, 2000)}`);
	assert.ok(expected.mark_compact >= 3, `the explicit gc() calls are missing:\n${r.stdout.slice(0, 2000)}`);
	assert.deepEqual(proc.gc.collections, expected);
	// Ours spans Heap::PerformGarbageCollection; V8's line also counts the GC prologue and
	// epilogue callbacks around it (node registers some): measured here at 85-95 % of it.
	const n = expected.scavenge + expected.mark_compact + expected.minor_mark_compact;
	assert.ok(proc.gc.pause_total_ms >= pauseMs * 0.8 &&
		  proc.gc.pause_total_ms <= pauseMs * 1.1 + 0.5 * n,
		  `pause total ${proc.gc.pause_total_ms} ms, --trace-gc says ${pauseMs} ms`);
	assert.ok(proc.gc.pause_max_ms <= proc.gc.pause_total_ms);
	assert.ok(proc.gc.pause_p99_ms <= proc.gc.pause_max_ms);
});

// Each collection's end carries the process's RSS, read by BPF from the kernel's mm counters
// (docs/design.md); the script reads the same counters through /proc/self/status right after
// each of its gc() calls.  The last gc() frees nothing new, so nothing moves in between: the
// two must agree (30 % covers the counters' per-CPU slack; pages for bytes, or anon and file
// swapped — 25 and 38 MB here — would not).
test('gc__collection_ends__rss_from_the_mm_counters_matches_proc', async () => {
	const r = await L.recordCommand('gc-churn.js', { nodeFlags: ['--expose-gc'] });
	L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(proc.probes.gc, 'attached');
	const samples = proc.memory.samples;
	const ends = samples.filter((s) => s.source === 'gc');
	const desc = JSON.stringify(samples.slice(0, 40));
	assert.ok(ends.length >= 6, `too few collection ends: ${desc}`);
	for (const s of ends) {
		assert.ok(s.rss > 0 && s.rss === s.rss_anon + s.rss_file && s.rss_file > 0,
			  `a collection end without the RSS: ${JSON.stringify(s)}`);
	}
	assert.ok(ends.some((s) => s.heap_used > 0), `no heap_used at a collection end: ${desc}`);
	assert.ok(samples.some((s) => s.source === 'statm' && s.rss > 0), `no statm sample: ${desc}`);
	for (let i = 1; i < samples.length; i++)
		assert.ok(samples[i].t_s >= samples[i - 1].t_s, `samples out of time order: ${desc}`);
	// V8's GarbageCollectionReason::kTesting (21): the script's gc() calls, in order
	const explicit = ends.filter((s) => s.mark_compact && s.reason === 21);
	const afterGc = r.result.afterGc;
	assert.equal(explicit.length, afterGc.length, `gc() calls seen: ${JSON.stringify(explicit)}`);
	const ours = explicit[explicit.length - 1];
	const seen = afterGc[afterGc.length - 1];
	const near = (a, b) => Math.abs(a - b) <= 0.3 * b;
	const why = `at the last gc(): ours ${JSON.stringify(ours)}, /proc ${JSON.stringify(seen)}`;
	assert.ok(near(ours.rss, seen.anon + seen.file), why);
	assert.ok(near(ours.rss_anon, seen.anon), why);
	assert.ok(near(ours.rss_file, seen.file), why);
	assert.ok(ours.heap_used > 0, why);
});
