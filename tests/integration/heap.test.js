// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The heap verdict from outside (docs/verdict.md): a module-level cache that only grows is a
// leak; the same traffic with a bounded cache is not.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('heap__map_cache_only_grows__verdict_leak', async () => {
	const r = await L.recordCommand('leak-map-cache.js');
	L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(proc.probes.gc, 'attached');
	assert.equal(proc.memory.verdict, 'leak', proc.memory.evidence);
	assert.ok(proc.memory.post_gc_floor_slope_bytes_per_s > 1 << 20,
		  `slope ${proc.memory.post_gc_floor_slope_bytes_per_s} B/s: ${proc.memory.evidence}`);
	const heap = proc.memory.samples.filter((s) => s.heap_used);
	assert.ok(heap.length >= 5, 'too few heap samples');
	assert.ok(proc.memory.samples.some((s) => s.rss > 0), 'no memory sample');
});

test('heap__bounded_cache__verdict_not_leak', async () => {
	const r = await L.recordCommand('heal-bounded-cache.js');
	L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(proc.probes.gc, 'attached');
	assert.notEqual(proc.memory.verdict, 'leak', proc.memory.evidence);
	assert.notEqual(proc.memory.verdict, 'unknown', proc.memory.evidence);
});

// The classic two that leave no fd or handle behind: only the heap grows.
for (const [leak, heal, what] of [
	['leak-listeners.js', 'heal-listeners.js', 'EventEmitter listeners added per HTTP request'],
	['leak-intervals.js', 'heal-intervals.js', 'setInterval per task never cleared'],
]) {
	test(`heap__${leak.replace(/\.js$/, '').replace(/-/g, '_')}__verdict_leak`, async () => {
		const r = await L.recordCommand(leak);
		L.assertValidReport(r);
		assert.ok(r.result.leaked > 1000, `${what}: the script leaked only ${r.result.leaked}`);
		const proc = L.processOf(r);
		assert.equal(proc.memory.verdict, 'leak', `${what}: ${proc.memory.evidence}`);
	});
	test(`heap__${heal.replace(/\.js$/, '').replace(/-/g, '_')}__verdict_not_leak`, async () => {
		const r = await L.recordCommand(heal);
		L.assertValidReport(r);
		assert.equal(r.result.leaked, 0);
		const proc = L.processOf(r);
		assert.notEqual(proc.memory.verdict, 'leak', `${what}, cleaned up: ${proc.memory.evidence}`);
	});
}
