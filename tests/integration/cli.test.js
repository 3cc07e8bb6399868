// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// How `record` starts and stops: -d, SIGINT, SIGTERM, the target exiting, the attached line,
// --min-age, the text format, and the command's exit status not leaking into ours.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');
const L = require('./lib');

// An idle node that prints "ready" and lives until killed (or `lifeMs`).
async function idleNode(lifeMs = 60000) {
	const node = spawn(process.execPath,
			   ['-e', `console.log('ready'); setTimeout(() => {}, ${lifeMs});`],
			   { stdio: ['ignore', 'pipe', 'inherit'] });
	node.stdout.setEncoding('utf8');
	assert.ok(await L.waitForLine(node.stdout, /^ready$/, 10000), 'idle node not ready');
	return node;
}

// Starts `leakscope record -p PID --format json -o TMP ARGS` and waits for the attached line.
async function startRecord(pid, args = []) {
	const out = L.tmpReportPath('cli');
	const argv = ['record', '-p', String(pid), '--format', 'json', '-o', out, ...args];
	const tool = spawn(L.LEAKSCOPE, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
	const r = { tool, out, stdout: '', stderr: '', cmdline: [L.LEAKSCOPE, ...argv].join(' '),
		    t0: process.hrtime.bigint() };
	tool.stdout.setEncoding('utf8');
	tool.stderr.setEncoding('utf8');
	tool.stdout.on('data', (d) => (r.stdout += d));
	tool.stderr.on('data', (d) => (r.stderr += d));
	r.attachedLine = await L.waitForLine(tool.stderr, L.ATTACHED_RE, 15000);
	r.attachMs = Number(process.hrtime.bigint() - r.t0) / 1e6;
	return r;
}

async function endRecord(r, timeoutMs) {
	const exit = await L.waitForExit(r.tool, timeoutMs);
	Object.assign(r, exit, L.readReport(r.out));
	r.ms = Number(process.hrtime.bigint() - r.t0) / 1e6;
	return r;
}

test('cli__pid_with_duration__attached_line_then_stops_on_time', async () => {
	const node = await idleNode();
	try {
		const r = await startRecord(node.pid, ['-d', '3']);
		assert.ok(r.attachedLine, `no "leakscope: attached to N process(es) in X ms" line within 15 s; stderr:\n${r.stderr}`);
		const [, n, ms] = r.attachedLine.match(L.ATTACHED_RE);
		assert.equal(Number(n), 1);
		assert.ok(Number(ms) <= r.attachMs + 1, `claims ${ms} ms, we saw the line after ${r.attachMs} ms`);
		await endRecord(r, 20000);
		const rep = L.assertValidReport(r);
		assert.ok(r.ms >= 2900 && r.ms < 3000 + r.attachMs + 3000, `recording took ${r.ms} ms for -d 3`);
		assert.ok(rep.duration_s >= 2.9 && rep.duration_s <= 4.5, `duration_s ${rep.duration_s} for -d 3`);
		const p = rep.processes.find((x) => x.pid === node.pid);
		assert.ok(p, `process ${node.pid} missing`);
		assert.equal(p.exited, false);
		assert.ok(p.preexisting && Number.isInteger(p.preexisting.fds) && p.preexisting.fds >= 3,
			  `preexisting: ${JSON.stringify(p.preexisting)}`);
	} finally {
		node.kill('SIGKILL');
	}
});

for (const sig of ['SIGINT', 'SIGTERM']) {
	test(`cli__pid_no_duration__${sig}_stops_with_report`, async () => {
		const node = await idleNode();
		try {
			const r = await startRecord(node.pid);
			await new Promise((res) => setTimeout(res, 1500));
			const tSig = process.hrtime.bigint();
			r.tool.kill(sig);
			await endRecord(r, 15000);
			const stopMs = Number(process.hrtime.bigint() - tSig) / 1e6;
			L.assertValidReport(r);
			assert.ok(stopMs < 5000, `took ${stopMs} ms to stop after ${sig}`);
			assert.ok(r.report.processes.some((x) => x.pid === node.pid));
			assert.equal(node.exitCode, null, `${sig} to leakscope must not touch the target`);
		} finally {
			node.kill('SIGKILL');
		}
	});
}

test('cli__pid_target_exits__stops_by_itself', async () => {
	const node = await idleNode(2500);
	const r = await startRecord(node.pid, ['-d', '60']);
	await endRecord(r, 20000);
	L.assertValidReport(r);
	assert.ok(r.ms < 15000, `still recording ${r.ms} ms after start; the target exited at 2.5 s`);
	const p = r.report.processes.find((x) => x.pid === node.pid);
	assert.ok(p, `process ${node.pid} missing`);
	assert.equal(p.exited, true);
});

test('cli__command_exit_status__not_ours', async () => {
	for (const cmd of [['false'], ['sh', '-c', 'exit 7'], ['sh', '-c', 'kill -9 $$']]) {
		const out = L.tmpReportPath('status');
		const args = ['record', '--format', 'json', '-o', out, '--', ...cmd];
		const r = await L.run(L.LEAKSCOPE, args, { timeoutMs: 20000 });
		const { report } = L.readReport(out);
		assert.ok(report, `${args.join(' ')}: no report`);
		assert.equal(r.code, 0, `${args.join(' ')}: exit ${r.code}, stderr:\n${r.stderr}`);
	}
});

test('cli__min_age_above_run_time__leaks_not_counted', async () => {
	const r = await L.recordCommand('leak-streams.js', { recordArgs: ['--min-age', '30'] });
	L.assertValidReport(r);
	const proc = L.processOf(r);
	assert.equal(L.groupsOf(proc, { frame: 'processFile' }).length, 0,
		     `every leak is younger than 30 s:\n${L.describeLeaks(proc)}`);
});

test('cli__text_format_to_stdout__names_the_leak', async () => {
	const args = ['record', '--', process.execPath, ...L.NODE_FLAGS,
		      L.scriptPath('leak-watchers.js')];
	const scratch = L.tmpReportPath('text');
	const r = await L.run(L.LEAKSCOPE, args, { timeoutMs: 60000, cwd: path.dirname(scratch) });
	L.readReport(scratch); // removes the scratch directory
	const res = L.scriptResult(r.stdout);
	if (res)
		L.removePerfMaps([res.pid]);
	assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
	const text = r.stdout.split('\n').filter((l) => !l.startsWith('{"pid"')).join('\n');
	assert.match(text, /watchConfig/, `text report:\n${text}`);
	assert.match(text, /fs_event/, `text report:\n${text}`);
	assert.throws(() => JSON.parse(text), 'the default format is text, not JSON');
});

test('cli__json_to_stdout__parses', async () => {
	const args = ['record', '--format', 'json', '--', 'true'];
	const r = await L.run(L.LEAKSCOPE, args, { timeoutMs: 20000 });
	assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
	const rep = JSON.parse(r.stdout);
	assert.equal(rep.schema, L.SCHEMA);
});
