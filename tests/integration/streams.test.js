// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// File read streams abandoned after one chunk (tests/scripts/leak-streams.js) and their healthy
// twin (heal-streams.js), recorded from exec to exit.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('streams__abandoned_after_first_chunk__fd_file_leaks_named_processFile', async () => {
	const r = await L.recordCommand('leak-streams.js');
	L.assertValidReport(r);
	assert.equal(r.result.leaked, 40, 'the script leaked fewer streams than it should');
	const { proc } = L.assertLeak(r, 'leak-streams.js',
				      { kind: 'fd', type: 'file', frame: 'processFile', expected: 40 });
	assert.equal(proc.exited, true, 'the command exited, the report says it did not');
});

test('streams__destroyed__no_leak', async () => {
	const r = await L.recordCommand('heal-streams.js');
	L.assertValidReport(r);
	assert.equal(r.result.closed, 40, 'the twin did not run its 40 streams');
	L.assertHealthy(r, { kind: 'fd', type: 'file', frame: 'processFile' });
});

// fs.createReadStream(path) opens from a process.nextTick callback (ReadStream._construct), so
// no user function is on the stack that opens the fd.  The fds must still be counted; the test
// logs where the tool attributes them and asserts only that a JS frame is named there.
test('streams__createReadStream_path__fd_file_leaks_counted', async (t) => {
	const r = await L.recordCommand('leak-streams.js', { scriptArgs: ['--path'] });
	L.assertValidReport(r);
	const proc = L.processOf(r);
	const files = L.groupsOf(proc, { kind: 'fd', type: 'file' });
	L.assertNear(L.sumCount(files), 40, `fd/file leaks:\n${L.describeLeaks(proc)}\n`);
	const biggest = files.reduce((a, g) => (g.count > a.count ? g : a), files[0]);
	t.diagnostic(`createReadStream(path) attributed to: ${biggest.stack.slice(0, 10).map((f) => f.frame).join(' < ')}`);
	assert.ok(biggest.stack.some((f) => f.kind === 'js' && f.frame),
		  `no named JS frame in the biggest fd/file group:\n${L.describeLeaks(proc)}`);
});
