// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Retained native memory per stack (docs/design.md, "Native memory"): closures that keep 1 MiB
// Buffers show as anonymous memory mapped at the JS function that made them; the same
// allocations dropped leave nothing of that size behind.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

const MiB = 1 << 20;
// The scripts allocate for 8 s, then idle: the recording ends while they still live (node
// frees every Buffer when it exits).  --expose-gc: the twin collects once before it reports.
const OPTS = { recordArgs: ['-d', '11'], nodeFlags: ['--expose-gc'] };

// memory groups naming `frame`: kind mmap or brk (V8's own heap pages are not Buffers)

function memoryAt(proc, frame) {
	return proc.leaks.filter((g) => (g.kind === 'mmap' || g.kind === 'brk') && L.hasFrame(g, frame));
}

function sumBytes(groups) {
	return groups.reduce((n, g) => n + g.bytes, 0);
}

function describeMemory(proc) {
	return proc.leaks.filter((g) => L.MEMORY_KINDS.includes(g.kind) && g.bytes >= MiB)
		.map((g) => `  ${g.kind} ${(g.bytes / MiB).toFixed(1)} MiB in ${g.count}` +
			    `${g.growing ? ' growing' : ''}: ` +
			    g.stack.filter((f) => f.kind === 'js').slice(0, 4).map((f) => f.frame)
				    .join(' < '))
		.join('\n');
}

test('memory__closures_keep_buffers__mmap_at_makeHandler', async () => {
	const r = await L.recordCommand('leak-buffer-closures.js', OPTS);
	L.assertValidReport(r);
	assert.ok(r.result.leaked >= 100 * MiB, `the script leaked only ${r.result.leaked} bytes`);
	const proc = L.processOf(r);
	const groups = memoryAt(proc, 'makeHandler');
	const why = `memory groups of the report:\n${describeMemory(proc)}\n${L.describeRun(r)}`;
	// min-age (1 s) leaves out the last second's Buffers; each is 1 MiB + glibc's page
	const retained = sumBytes(groups);
	assert.ok(retained >= 0.8 * r.result.leaked, `${retained} bytes retained at makeHandler ` +
		  `of ${r.result.leaked} leaked; ${why}`);
	assert.ok(retained <= 1.1 * r.result.leaked, `${retained} bytes at makeHandler; ${why}`);
	assert.ok(groups.some((g) => g.growing && g.bytes >= 50 * MiB), `no growing group; ${why}`);
	const f = groups[0].stack.find((x) => x.frame === 'makeHandler');
	assert.equal(f.kind, 'js');
	assert.ok(f.module.endsWith('tests/scripts/leak-buffer-closures.js'), f.module);
	assert.ok(r.report.stats.unwound_stacks > 0, 'no stack was unwound with DWARF CFI');
	// the heap verdict is about the V8 heap: 1 MiB Buffers live outside it
	assert.notEqual(proc.memory.verdict, 'leak', proc.memory.evidence);
});

test('memory__buffers_dropped__no_growing_memory_at_makeHandler', async () => {
	const r = await L.recordCommand('heal-buffer-closures.js', OPTS);
	L.assertValidReport(r);
	assert.equal(r.result.leaked, 0);
	assert.ok(r.result.made >= 100, `the script made only ${r.result.made} Buffers`);
	const proc = L.processOf(r);
	const why = `memory groups of the report:\n${describeMemory(proc)}\n${L.describeRun(r)}`;
	const groups = memoryAt(proc, 'makeHandler');
	// mmap: one mapping per Buffer, released by its free: nothing may stay
	const mapped = sumBytes(groups.filter((g) => g.kind === 'mmap'));
	assert.ok(mapped <= 4 * MiB, `${mapped} bytes mmap'd at makeHandler still mapped; ${why}`);
	// brk: once glibc raised its mmap threshold (the first 1 MiB free does), Buffers come from
	// the brk heap, which keeps freed chunks below its top: bounded, far below what was made
	const held = sumBytes(groups);
	assert.ok(held <= 0.35 * r.result.made * MiB,
		  `${held} bytes at makeHandler of ${r.result.made} MiB made; ${why}`);
	const bigMmap = proc.leaks.filter((g) => g.kind === 'mmap' && g.growing && g.bytes > 8 * MiB);
	assert.equal(bigMmap.length, 0, `growing anonymous memory; ${why}`);
});

// V8's heap pages are mmap'd by its MemoryAllocator: those groups are labelled `heap`, the
// sites where the heap grew (mostly inside collections), apart from native memory.
test('memory__map_cache_grows_the_heap__heap_groups_from_MemoryAllocator', async () => {
	// ended at 12 s, before the script's 16 s: no result line, the one process is the script
	const r = await L.recordCommand('leak-map-cache.js', { recordArgs: ['-d', '12'] });
	L.assertValidReport(r);
	assert.equal(r.report.processes.length, 1);
	const proc = r.report.processes[0];
	const why = `memory groups of the report:\n${describeMemory(proc)}\n${L.describeRun(r)}`;
	const isPage = (g) => g.stack.some((f) => f.frame.startsWith('v8::internal::MemoryAllocator::'));
	const heap = proc.leaks.filter((g) => g.kind === 'heap');
	assert.ok(heap.every(isPage), `a heap group without MemoryAllocator; ${why}`);
	assert.ok(sumBytes(heap) >= 16 * MiB, `${sumBytes(heap)} bytes of heap pages; ${why}`);
	const mislabelled = proc.leaks.filter((g) => g.kind === 'mmap' && isPage(g));
	assert.equal(mislabelled.length, 0, `V8 pages left as mmap; ${why}`);
});

// --probes +buffers: every BackingStore (ArrayBuffer memory) with its size, paired with its
// destructor: precise whatever malloc did with the memory.
test('memory__buffers_probe__arraybuffer_bytes_at_makeHandler', async () => {
	const opts = { ...OPTS, recordArgs: [...OPTS.recordArgs, '--probes', '+buffers'] };
	const leak = await L.recordCommand('leak-buffer-closures.js', opts);
	L.assertValidReport(leak);
	let proc = L.processOf(leak);
	assert.equal(proc.probes.buffers, 'attached');
	let why = `memory groups of the report:\n${describeMemory(proc)}\n${L.describeRun(leak)}`;
	const kept = proc.leaks.filter((g) => g.kind === 'buffer' && L.hasFrame(g, 'makeHandler'));
	const bytes = sumBytes(kept);
	assert.ok(bytes >= 0.8 * leak.result.leaked && bytes <= leak.result.leaked,
		  `${bytes} Buffer bytes at makeHandler of ${leak.result.leaked} leaked; ${why}`);
	assert.ok(leak.report.stats.buffer_hits >= leak.result.handlers, 'too few BackingStore hits');

	const heal = await L.recordCommand('heal-buffer-closures.js', opts);
	L.assertValidReport(heal);
	proc = L.processOf(heal);
	why = `memory groups of the report:\n${describeMemory(proc)}\n${L.describeRun(heal)}`;
	const left = proc.leaks.filter((g) => g.kind === 'buffer' && L.hasFrame(g, 'makeHandler'));
	assert.ok(sumBytes(left) <= 2 * MiB, `${sumBytes(left)} Buffer bytes left; ${why}`);
});
