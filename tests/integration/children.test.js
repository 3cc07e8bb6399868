// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Child processes never killed or waited for (tests/scripts/leak-children.js) and the healthy
// twin.  Both are long-lived, so they are recorded by PID (-p PID -d 8) while they run.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('children__never_reaped__process_handle_leaks_named_spawnWorker', async () => {
	const r = await L.recordPid('leak-children.js', { duration: 8 });
	L.assertValidReport(r);
	assert.equal(r.result.leaked, 10);
	const { proc } = L.assertLeak(r, 'leak-children.js',
				      { kind: 'handle', type: 'process', frame: 'spawnWorker', expected: 10 });
	assert.equal(proc.exited, false, 'the script was still running when the recording ended');
});

test('children__killed_and_reaped__no_leak', async () => {
	const r = await L.recordPid('heal-children.js', { duration: 8 });
	L.assertValidReport(r);
	assert.equal(r.result.reaped, 10, 'the twin did not reap its 10 children');
	L.assertHealthy(r, { kind: 'handle', type: 'process', frame: 'spawnWorker' });
});
