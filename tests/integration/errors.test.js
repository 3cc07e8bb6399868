// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Bad input: each case must end with its documented exit code (2 usage, 3 target not found,
// 4 no privileges, 5 cannot write output), print exactly one line on stderr that begins
// "leakscope: ", print no report, and not crash.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');
const L = require('./lib');

function freePid() {
	const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
	for (let p = max - 1; p > 1; p--)
		if (!fs.existsSync(`/proc/${p}`))
			return p;
	throw new Error('no free pid');
}

function assertError(r, code) {
	const what = L.describeRun(r);
	assert.equal(r.timedOut, false, `did not end\n${what}`);
	assert.equal(r.signal, null, `killed by a signal\n${what}`);
	assert.ok(r.code < 128, `crashed\n${what}`);
	assert.equal(r.code, code, `exit code\n${what}`);
	const errLines = L.lines(r.stderr);
	assert.equal(errLines.length, 1, `stderr must be one line\n${what}`);
	assert.match(errLines[0], /^leakscope: \S/, `stderr line\n${what}`);
	assert.doesNotMatch(r.stdout, /leakscope-report/, 'a report was printed');
}

async function leakscope(args, opts) {
	const r = await L.run(L.LEAKSCOPE, args, { timeoutMs: 20000, ...opts });
	return { ...r, cmdline: [L.LEAKSCOPE, ...args].join(' ') };
}

test('errors__pid_does_not_exist__exit_3', async () => {
	assertError(await leakscope(['record', '-p', String(freePid()), '-d', '2']), 3);
});

test('errors__one_of_two_pids_does_not_exist__exit_3', async () => {
	assertError(await leakscope(['record', '-p', `${process.pid},${freePid()}`, '-d', '2']), 3);
});

test('errors__command_not_found__exit_3', async () => {
	assertError(await leakscope(['record', '-d', '5', '--', 'leakscope-no-such-command']), 3);
});

test('errors__command_path_does_not_exist__exit_3', async () => {
	assertError(await leakscope(['record', '-d', '5', '--', '/nonexistent/leakscope-cmd']), 3);
});

test('errors__not_root__exit_4', async () => {
	const r = await L.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups',
					  L.LEAKSCOPE, 'record', '-d', '2', '--', 'true'],
			      { timeoutMs: 20000 });
	r.cmdline = `setpriv --reuid=65534 --regid=65534 --clear-groups ${L.LEAKSCOPE} record -d 2 -- true`;
	assertError(r, 4);
});

test('errors__not_root_with_pid__exit_4', async () => {
	const r = await L.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups',
					  L.LEAKSCOPE, 'record', '-p', '1', '-d', '2'],
			      { timeoutMs: 20000 });
	r.cmdline = `setpriv --reuid=65534 --regid=65534 --clear-groups ${L.LEAKSCOPE} record -p 1 -d 2`;
	assertError(r, 4);
});

test('errors__duration_zero__exit_2', async () => {
	assertError(await leakscope(['record', '-d', '0', '--', 'true']), 2);
});

test('errors__duration_not_a_number__exit_2', async () => {
	assertError(await leakscope(['record', '-d', 'soon', '--', 'true']), 2);
});

test('errors__pid_not_a_number__exit_2', async () => {
	assertError(await leakscope(['record', '-p', 'node', '-d', '2']), 2);
});

test('errors__no_target__exit_2', async () => {
	assertError(await leakscope(['record']), 2);
});

test('errors__duration_but_no_target__exit_2', async () => {
	assertError(await leakscope(['record', '-d', '2']), 2);
});

test('errors__unknown_option__exit_2', async () => {
	assertError(await leakscope(['record', '--no-such-option', '--', 'true']), 2);
});

test('errors__unknown_format__exit_2', async () => {
	assertError(await leakscope(['record', '--format', 'xml', '--', 'true']), 2);
});

test('errors__unknown_verb__exit_2', async () => {
	assertError(await leakscope(['recrod', '--', 'true']), 2);
});

test('errors__output_not_writable__exit_5', async () => {
	assertError(await leakscope(['record', '--format', 'json', '-o', '/proc/nope/x.json', '--',
				     'true']), 5);
});

test('errors__target_exits_at_once__exit_0_valid_report', async () => {
	const out = L.tmpReportPath('true');
	const r = await leakscope(['record', '--format', 'json', '-o', out, '--', 'true']);
	Object.assign(r, L.readReport(out));
	const rep = L.assertValidReport(r);
	for (const l of L.lines(r.stderr))
		assert.match(l, /^leakscope: /, `stderr:\n${r.stderr}`);
	const t = rep.processes.find((p) => typeof p.exe === 'string' && p.exe.endsWith('/true'));
	assert.ok(t, `no process for true in ${JSON.stringify(rep.processes).slice(0, 500)}`);
	assert.equal(t.exited, true);
});
