// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// TCP connections never ended (tests/scripts/leak-sockets.js) and their healthy twin.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('sockets__never_destroyed__tcp_handle_leaks_named_openConnection', async () => {
	const r = await L.recordCommand('leak-sockets.js');
	L.assertValidReport(r);
	assert.equal(r.result.leaked, 30);
	assert.equal(r.result.server_leaked, 30);
	const { proc } = L.assertLeak(r, 'leak-sockets.js',
				      { kind: 'handle', type: 'tcp', frame: 'openConnection', expected: 30 });

	// The socket fds: 30 client, 30 accepted, 1 listening, all AF_INET.  The client fds are
	// created from a nextTick callback (lib/net.js internalConnect), so no frame is asserted.
	const sockets = L.groupsOf(proc, { kind: 'fd', type: 'socket' });
	for (const g of sockets)
		assert.ok(['inet', 'inet6', 'unix'].includes(g.family),
			  `fd/socket group without a valid family: ${JSON.stringify(g).slice(0, 300)}`);
	const inet = sockets.filter((g) => g.family === 'inet');
	L.assertNear(L.sumCount(inet), 61, `inet socket fds:\n${L.describeLeaks(proc)}\n`);
	// Handles: 30 client (above), 30 accepted, 1 server.
	L.assertNear(L.sumCount(L.groupsOf(proc, { kind: 'handle', type: 'tcp' })), 61,
		     `tcp handles:\n${L.describeLeaks(proc)}\n`);
	assert.equal(proc.exited, true);
});

test('sockets__both_ends_destroyed__no_leak', async () => {
	const r = await L.recordCommand('heal-sockets.js');
	L.assertValidReport(r);
	assert.equal(r.result.closed, 60, 'the twin did not close its 60 sockets');
	L.assertHealthy(r, { kind: 'handle', type: 'tcp', frame: 'openConnection' });
});

test('sockets__lookup_fails_before_socket__no_leak', async () => {
	const r = await L.recordCommand('heal-failed-connects.js');
	L.assertValidReport(r);
	assert.equal(r.result.failed, 60, 'the script did not see its 60 failures');
	assert.equal(r.report.stats.unpaired_stream_handles, 0);
	L.assertHealthy(r, { kind: 'handle', type: 'tcp', frame: 'failingConnect' });
});
