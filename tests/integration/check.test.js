// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `leakscope check`: says, one line per requirement, whether tracing can work here, and
// exits 0 only when everything it needs is there.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const L = require('./lib');

const LINE_RE = /^(ok|MISS)\s+(.+?)\s{2,}(.*)$/;

function parse(stdout) {
	const rows = {};
	for (const line of L.lines(stdout)) {
		const m = line.match(LINE_RE);
		if (m)
			rows[m[2]] = { ok: m[1] === 'ok', detail: m[3] };
	}
	return rows;
}

test('check__as_root__everything_ok_exit_0', async () => {
	const r = await L.run(L.LEAKSCOPE, ['check'], { timeoutMs: 20000 });
	const what = L.describeRun(r);
	assert.equal(r.code, 0, `exit code\n${what}`);
	const rows = parse(r.stdout);
	for (const name of ['kernel', 'privileges', 'kernel BTF', 'uprobe PMU', 'BPF programs',
			    'node libuv symbols'])
		assert.ok(rows[name] && rows[name].ok, `"${name}" not ok\n${what}`);
	// optional (ok either way), and found on the kernels we test on (6.2+ layout)
	assert.match(rows['RSS at GC ends']?.detail ?? '', /^yes/, what);
	assert.match(r.stdout, /^\d+ ok, 0 missing$/m, what);
});

test('check__not_root__privileges_missing_exit_nonzero', async () => {
	const r = await L.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups',
					  L.LEAKSCOPE, 'check'], { timeoutMs: 20000 });
	const what = L.describeRun(r);
	assert.notEqual(r.code, 0, `exit code\n${what}`);
	assert.ok(r.code < 128, `crashed\n${what}`);
	const rows = parse(r.stdout);
	assert.ok(rows.privileges && !rows.privileges.ok, `privileges row\n${what}`);
	assert.match(rows.privileges.detail, /sudo/, what);
	assert.ok(rows['BPF programs'] && !rows['BPF programs'].ok, what);
	assert.match(r.stdout, /^\d+ ok, [1-9]\d* missing$/m, what);
});
