// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// JavaScript frames named from the target's heap, node run without any flag
// (tests/scripts/leak-js-shapes.js and its twin heal-js-shapes.js), and agreement with the
// perf map where both name a frame.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');
const L = require('./lib');

const SCRIPT = 'leak-js-shapes.js';
const COUNT = 8; // per shape, as in the script

// The line that carries `// shape: NAME` in the script: where the function is declared.
function markerLine(name) {
	const src = fs.readFileSync(L.scriptPath(SCRIPT), 'utf8').split('\n');
	const i = src.findIndex((l) => l.includes(`// shape: ${name}`));
	assert.ok(i >= 0, `no shape marker ${name} in ${SCRIPT}`);
	return i + 1;
}

const SHAPES = [
	{ shape: 'anonymous', frame: '(anonymous)' },
	{ shape: 'method', frame: 'openIndex' },
	{ shape: 'async', frame: 'reopenAfterAwait' },
	{ shape: 'hot', frame: 'hotOpen' },
];

function framesOf(group, frame, line) {
	return group.stack.filter((f) => f.frame === frame && f.line === line);
}

test('jsnames__four_function_shapes_without_flags__each_named_with_script_and_line', async () => {
	const r = await L.recordCommand(SCRIPT);
	const rep = L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(r.result.leaked, 4 * COUNT, 'the script leaked fewer fds than it should');
	// the hot function opened from optimized code in most rounds (the first may still run
	// unoptimized): its frame is then Turbofan's, not the interpreter's
	assert.ok(r.result.optimizedLeaks >= COUNT / 2,
		  `hotOpen was optimized in only ${r.result.optimizedLeaks} of ${COUNT} rounds`);
	for (const { shape, frame } of SHAPES) {
		const line = markerLine(shape);
		const groups = proc.leaks.filter((g) => g.kind === 'fd' && g.type === 'file' &&
						 framesOf(g, frame, line).length > 0);
		const why = `fd/file groups naming ${frame} at line ${line}; the report has:\n` +
			    L.describeLeaks(proc);
		assert.ok(groups.length > 0, `no ${why}`);
		L.assertNear(L.sumCount(groups), COUNT, `sum of ${why}`);
		for (const g of groups) {
			for (const f of framesOf(g, frame, line)) {
				assert.equal(f.kind, 'js');
				assert.ok(typeof f.module === 'string' &&
					  f.module.endsWith(`tests/scripts/${SCRIPT}`),
					  `frame ${frame} has module ${f.module}`);
				assert.ok(Number.isInteger(f.column) && f.column > 0,
					  `frame ${frame} has no column`);
			}
		}
	}
	assert.ok(rep.stats.js_frames_named > 0, 'stats.js_frames_named is 0');
	assert.equal(rep.stats.js_frames_unnamed.no_metadata, 0, 'the binary had no V8 metadata');
	assert.ok(rep.stats.js_resolve_us.stacks > 0 && rep.stats.js_resolve_us.mean > 0,
		  `js_resolve_us: ${JSON.stringify(rep.stats.js_resolve_us)}`);
});

test('jsnames__four_function_shapes_closed__no_leak', async () => {
	const r = await L.recordCommand('heal-js-shapes.js');
	L.assertValidReport(r);
	assert.equal(r.result.opened, 4 * COUNT, 'the twin did not run its opens');
	for (const { frame } of SHAPES)
		L.assertHealthy(r, { kind: 'fd', type: 'file', frame });
});

// The JS frames of the leak-streams.js script itself, leaf first: what a reader sees.
function scriptFrames(r) {
	const proc = L.processOf(r);
	const groups = L.groupsOf(proc, { kind: 'fd', type: 'file', frame: 'processFile' });
	assert.ok(groups.length > 0, `no group naming processFile:\n${L.describeLeaks(proc)}`);
	const g = groups.reduce((a, b) => (b.count > a.count ? b : a));
	return g.stack.filter((f) => f.kind === 'js' && f.module &&
			      f.module.endsWith('tests/scripts/leak-streams.js'))
		.map((f) => ({ frame: f.frame, module: f.module, line: f.line, column: f.column }));
}

// node with --perf-basic-prof: the heap names the frames first, the perf map only when the heap
// cannot; --no-heap-names shows what the perf map alone says.  Both must say the same.
test('jsnames__perf_map_and_heap__name_the_same_frames', async () => {
	const heap = await L.recordCommand('leak-streams.js', { perfMap: true });
	L.assertValidReport(heap);
	const perf = await L.recordCommand('leak-streams.js', { perfMap: true,
							       recordArgs: ['--no-heap-names'] });
	L.assertValidReport(perf);
	assert.ok(heap.report.stats.js_frames_named > 0, 'the heap named nothing');
	assert.equal(perf.report.stats.js_frames_named, 0, '--no-heap-names still read the heap');
	const b = scriptFrames(perf);
	// node 18 writes no column in its perf map: compare columns where it gives them
	const a = scriptFrames(heap).map((f, i) => (b[i] && b[i].column === undefined
						      ? { ...f, column: undefined } : f));
	assert.ok(a.some((f) => f.frame === 'processFile'), `heap frames: ${JSON.stringify(a)}`);
	assert.deepEqual(a, b, 'the heap and the perf map name the frames differently');
});
