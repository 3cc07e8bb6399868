// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// fs.watch watchers never closed (tests/scripts/leak-watchers.js) and their healthy twin.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('watchers__never_closed__fs_event_handle_leaks_named_watchConfig', async () => {
	const r = await L.recordCommand('leak-watchers.js');
	L.assertValidReport(r);
	assert.equal(r.result.leaked, 25);
	const { proc } = L.assertLeak(r, 'leak-watchers.js',
				      { kind: 'handle', type: 'fs_event', frame: 'watchConfig', expected: 25 });
	// libuv opens one inotify fd per loop, on the first watch: at most one such leak.
	const inotify = L.sumCount(L.groupsOf(proc, { kind: 'fd', type: 'inotify' }));
	assert.ok(inotify <= 1, `inotify fds: ${inotify}\n${L.describeLeaks(proc)}`);
});

test('watchers__closed__no_leak', async () => {
	const r = await L.recordCommand('heal-watchers.js');
	L.assertValidReport(r);
	assert.equal(r.result.closed, 25, 'the twin did not close its 25 watchers');
	L.assertHealthy(r, { kind: 'handle', type: 'fs_event', frame: 'watchConfig' });
});
