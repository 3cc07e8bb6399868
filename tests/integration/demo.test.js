// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The `make demo` script: an HTTP server leaking one fd per POST /upload, in handleUpload.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

test('demo__leaky_upload_route__fd_file_leaks_named_handleUpload', async () => {
	const r = await L.recordCommand('demo-leaky-server.js');
	L.assertValidReport(r);
	assert.ok(r.result.leaked >= 20, `the demo leaked only ${r.result.leaked}`);
	L.assertLeak(r, 'demo-leaky-server.js',
		     { kind: 'fd', type: 'file', frame: 'handleUpload', expected: r.result.leaked });
	const proc = L.processOf(r);
	const health = proc.leaks.filter((g) => !L.MEMORY_KINDS.includes(g.kind) &&
						 L.hasFrame(g, 'handleHealth'));
	assert.equal(health.length, 0, `leaks from handleHealth:\n${L.describeLeaks(proc)}`);
});
