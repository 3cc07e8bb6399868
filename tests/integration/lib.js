// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Shared helpers for the integration tests: run build/leakscope against the node scripts of
// tests/scripts/ and hand back the parsed JSON report beside the script's own result line.
//
// Two ways to record:
//   recordCommand(): leakscope record --format json -o TMP -- node FLAGS tests/scripts/X.js
//   recordPid():     node FLAGS X.js --wait; wait for its "ready" line; leakscope record -p PID
//                    -d N; wait for "leakscope: attached ..." on stderr; tell the script to go
//                    (a line on its stdin); wait for its result line and for leakscope to end;
//                    then SIGTERM the script.
// Set LEAKSCOPE=/path/to/binary to test another build, LEAKSCOPE_KEEP=DIR to keep every report,
// LEAKSCOPE_NODE=/path/to/node to trace another node (run.sh does, for each fetched version).
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const LEAKSCOPE = process.env.LEAKSCOPE || path.join(ROOT, 'build', 'leakscope');
// The node that runs the traced scripts.
const NODE = process.env.LEAKSCOPE_NODE || process.execPath;
// JS frames are named from the target's heap: the scenarios run node without any flag.  These
// (perf map + interpreter trampolines on the native stack) are the fallback path, which a test
// asks for with { perfMap: true }.
const PERF_FLAGS = ['--perf-basic-prof', '--interpreted-frames-native-stack'];
const NODE_FLAGS = [];
const SCHEMA = 'leakscope-report/1';
// leaks[].kind: fds and handles (counted), retained memory (bytes) by the stack that mapped it
// (heap: V8 heap pages, an mmap; buffer: V8 BackingStores, --probes +buffers).
const MEMORY_KINDS = ['mmap', 'brk', 'heap', 'buffer'];
const LEAK_KINDS = ['fd', 'handle', ...MEMORY_KINDS];
// The contract's "attached to N process(es) in X ms": singular or plural, more text may follow.
const ATTACHED_RE = /^leakscope: attached to (\d+) process(?:es|\(es\))? in ([0-9.]+) ms\b/;

function scriptPath(name) {
	return path.join(ROOT, 'tests', 'scripts', name);
}

// A report path in a fresh scratch directory; the traced node runs there too, because node
// with --perf-basic-prof leaves isolate-*-v8.log files in its working directory.
// readReport() removes the directory.
function tmpReportPath(tag) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-it-'));
	return path.join(dir, `${tag}.json`);
}

// --perf-basic-prof writes /tmp/perf-PID.map and never removes it; leakscope reads it, so remove
// it only once leakscope is done.
function removePerfMaps(pids) {
	for (const pid of pids)
		if (Number.isInteger(pid))
			fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

function lines(text) {
	return text.split('\n').filter((l) => l.length > 0);
}

// Spawns a process and collects its output.  Resolves with {code, signal, stdout, stderr, ms};
// kills it (SIGKILL) and resolves with timedOut: true after timeoutMs.
function run(cmd, args, { timeoutMs = 60000, cwd = ROOT, stdin = 'ignore' } = {}) {
	return new Promise((resolve, reject) => {
		const t0 = process.hrtime.bigint();
		const child = spawn(cmd, args, { cwd, stdio: [stdin, 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;
			resolve({ code, signal, stdout, stderr, ms, timedOut });
		});
	});
}

// Last line of a script's stdout that is its result: {"pid":N,"leaked":N,...}.
function scriptResult(stdout) {
	const found = lines(stdout)
		.map((l) => {
			try {
				return JSON.parse(l);
			} catch {
				return null;
			}
		})
		.filter((o) => o && typeof o === 'object' && 'leaked' in o);
	return found.length ? found[found.length - 1] : null;
}

function readReport(file) {
	if (!fs.existsSync(file)) {
		fs.rmSync(path.dirname(file), { recursive: true, force: true });
		return { report: null, reportText: null };
	}
	const reportText = fs.readFileSync(file, 'utf8');
	if (process.env.LEAKSCOPE_KEEP) {
		fs.mkdirSync(process.env.LEAKSCOPE_KEEP, { recursive: true });
		fs.copyFileSync(file, path.join(process.env.LEAKSCOPE_KEEP, path.basename(file)));
	}
	fs.rmSync(path.dirname(file), { recursive: true, force: true });
	let report = null;
	try {
		report = JSON.parse(reportText);
	} catch {
		// left null: assertValidReport says so, with the text
	}
	if (report && Array.isArray(report.processes))
		removePerfMaps(report.processes.map((p) => p.pid));
	return { report, reportText };
}

// leakscope record --format json -o TMP [recordArgs] -- node FLAGS script [scriptArgs]
async function recordCommand(script, { scriptArgs = [], recordArgs = [], nodeFlags = [],
				      perfMap = false, timeoutMs = 60000 } = {}) {
	const out = tmpReportPath(path.basename(script, '.js'));
	const args = ['record', '--format', 'json', '-o', out, ...recordArgs, '--', NODE,
		      ...(perfMap ? PERF_FLAGS : NODE_FLAGS), ...nodeFlags, scriptPath(script),
		      ...scriptArgs];
	const r = await run(LEAKSCOPE, args, { timeoutMs, cwd: path.dirname(out) });
	const { report, reportText } = readReport(out);
	const result = scriptResult(r.stdout);
	if (result)
		removePerfMaps([result.pid]);
	return { ...r, cmdline: [LEAKSCOPE, ...args].join(' '), report, reportText, result };
}

function waitForLine(stream, re, timeoutMs) {
	return new Promise((resolve) => {
		let buf = '';
		const onData = (d) => {
			buf += d;
			for (const l of lines(buf)) {
				if (re.test(l)) {
					done(l);
					return;
				}
			}
		};
		const timer = setTimeout(() => done(null), timeoutMs);
		function done(line) {
			clearTimeout(timer);
			stream.off('data', onData);
			resolve(line);
		}
		stream.on('data', onData);
	});
}

function waitForExit(child, timeoutMs) {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) {
			resolve({ code: child.exitCode, signal: child.signalCode, timedOut: false });
			return;
		}
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
		}, timeoutMs);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, timedOut: signal === 'SIGKILL' });
		});
	});
}

// Starts a long-lived script (ready / --wait / result / SIGTERM protocol of leak-children.js),
// records it with -p PID -d `duration`, and returns what recordCommand returns plus
// `attachedLine` (null when leakscope never printed it; the script then starts after
// attachWaitMs anyway, so the leak assertions still run).
async function recordPid(script, { duration = 8, recordArgs = [], attachWaitMs = 10000 } = {}) {
	const out = tmpReportPath(path.basename(script, '.js'));
	const node = spawn(NODE, [...NODE_FLAGS, scriptPath(script), '--wait'],
			   { cwd: path.dirname(out), stdio: ['pipe', 'pipe', 'inherit'] });
	let nodeOut = '';
	node.stdout.setEncoding('utf8');
	node.stdout.on('data', (d) => (nodeOut += d));
	let tool = null;
	try {
		const ready = await waitForLine(node.stdout, /"ready"/, 10000);
		assert.ok(ready, `${script} printed no ready line`);
		const pid = JSON.parse(ready).pid;
		const args = ['record', '-p', String(pid), '-d', String(duration), '--format', 'json',
			      '-o', out, ...recordArgs];
		const t0 = process.hrtime.bigint();
		tool = spawn(LEAKSCOPE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		tool.stdout.setEncoding('utf8');
		tool.stderr.setEncoding('utf8');
		tool.stdout.on('data', (d) => (stdout += d));
		tool.stderr.on('data', (d) => (stderr += d));
		const attachedLine = await waitForLine(tool.stderr, ATTACHED_RE, attachWaitMs);
		node.stdin.write('go\n');
		await waitForLine(node.stdout, /"leaked"/, 30000);
		const exit = await waitForExit(tool, (duration + 30) * 1000);
		const ms = Number(process.hrtime.bigint() - t0) / 1e6;
		const { report, reportText } = readReport(out);
		return { code: exit.code, signal: exit.signal, timedOut: exit.timedOut, stdout, stderr,
			 ms, cmdline: [LEAKSCOPE, ...args].join(' '), report, reportText,
			 attachedLine, pid, result: scriptResult(nodeOut) };
	} finally {
		if (tool && tool.exitCode === null && tool.signalCode === null)
			tool.kill('SIGKILL');
		node.kill('SIGTERM');
		await waitForExit(node, 10000);
		removePerfMaps([node.pid]);
		fs.rmSync(path.dirname(out), { recursive: true, force: true });
	}
}

// One line per leak group: what a failing assertion prints.
function describeLeaks(proc) {
	if (!proc)
		return '(no process)';
	if (!Array.isArray(proc.leaks))
		return '(no leaks array)';
	if (proc.leaks.length === 0)
		return '(no leak groups)';
	return proc.leaks
		.map((g) => {
			const frames = (g.stack || []).slice(0, 8).map((f) => f.frame).join(' < ');
			const fam = g.family ? `/${g.family}` : '';
			const bytes = g.bytes ? ` bytes=${g.bytes}` : '';
			return `  ${g.kind}/${g.type}${fam} count=${g.count}${bytes}: ${frames}`;
		})
		.join('\n');
}

function describeRun(r) {
	return `command: ${r.cmdline}\nexit: ${r.code} signal: ${r.signal}` +
	       `${r.timedOut ? ' (timed out)' : ''}\nstderr:\n${r.stderr}`;
}

// Checks what every successful recording must hold, and returns the report.
function assertValidReport(r) {
	assert.equal(r.timedOut, false, `leakscope did not end\n${describeRun(r)}`);
	assert.equal(r.code, 0, `leakscope failed\n${describeRun(r)}`);
	assert.ok(r.report, `no JSON report (text: ${String(r.reportText).slice(0, 300)})\n${describeRun(r)}`);
	const rep = r.report;
	assert.equal(rep.schema, SCHEMA);
	assert.equal(typeof rep.duration_s, 'number');
	assert.ok(rep.duration_s >= 0, `duration_s ${rep.duration_s}`);
	assert.equal(rep.lost_events, 0, 'events were lost');
	assert.ok(Array.isArray(rep.processes), 'processes is not an array');
	for (const p of rep.processes) {
		assert.equal(typeof p.pid, 'number');
		assert.ok(Array.isArray(p.leaks), `process ${p.pid}: leaks is not an array`);
		for (const g of p.leaks) {
			assert.ok(LEAK_KINDS.includes(g.kind), `leak kind ${g.kind}`);
			assert.equal(typeof g.type, 'string');
			assert.ok(Number.isInteger(g.bytes) && g.bytes >= 0, `bytes ${g.bytes}`);
			if (MEMORY_KINDS.includes(g.kind))
				assert.ok(g.bytes > 0, `a memory group retains bytes: ${JSON.stringify(g)}`);
			assert.ok(Number.isInteger(g.count) && g.count > 0,
				  `a reported group must hold at least one leak: ${JSON.stringify(g)}`);
			assert.ok(Array.isArray(g.stack), 'stack is not an array');
		}
	}
	return rep;
}

// The traced node process: the one whose pid the script printed.
function processOf(r) {
	assert.ok(r.result, `the script printed no result line; its stdout:\n${r.stdout}`);
	const proc = r.report.processes.find((p) => p.pid === r.result.pid);
	const pids = r.report.processes.map((p) => `${p.pid} (${p.exe})`).join(', ');
	assert.ok(proc, `no process ${r.result.pid} in the report; it has: ${pids}`);
	assert.equal(proc.probes.fds, 'attached', `fd probes: ${proc.probes.fds}`);
	assert.equal(proc.probes.handles, 'attached', `handle probes: ${proc.probes.handles}`);
	return proc;
}

function hasFrame(group, frame) {
	return (group.stack || []).some((f) => f.frame === frame);
}

function groupsOf(proc, { kind, type, frame }) {
	return proc.leaks.filter((g) => (kind === undefined || g.kind === kind) &&
				 (type === undefined || g.type === type) &&
				 (frame === undefined || hasFrame(g, frame)));
}

function sumCount(groups) {
	return groups.reduce((n, g) => n + g.count, 0);
}

// `expected` within ±20%, and never 0.
function assertNear(actual, expected, what) {
	const tol = Math.max(1, Math.round(expected * 0.2));
	assert.ok(actual > 0 && Math.abs(actual - expected) <= tol,
		  `${what}: ${actual}, expected ${expected} ±${tol}`);
}

// Lines [first, last] of `function name(` in a script: first at the declaration, last at the
// first following line that is a lone closing brace at column 0.
function functionLines(script, name) {
	const src = fs.readFileSync(scriptPath(script), 'utf8').split('\n');
	const first = src.findIndex((l) => l.startsWith(`function ${name}(`));
	assert.ok(first >= 0, `no function ${name} in ${script}`);
	let last = first;
	while (last < src.length && src[last] !== '}')
		last++;
	return [first + 1, last + 1];
}

// The leak assertion of every scenario: groups of kind/type whose stack names `frame` add up to
// the script's own count (±20%, not 0); the frame is a JS frame of the script.  Groups are
// summed because a tool may split one call site over several stacks (JIT tiers give one
// function several code addresses); a summed count still has to match.
function assertLeak(r, script, { kind, type, frame, expected }) {
	const proc = processOf(r);
	const groups = groupsOf(proc, { kind, type, frame });
	const why = `${kind}/${type} groups naming ${frame}; the report has:\n${describeLeaks(proc)}` +
		    `\n${describeRun(r)}`;
	assert.ok(groups.length > 0, `no ${why}`);
	assertNear(sumCount(groups), expected, `sum of ${why}`);
	const [first, last] = functionLines(script, frame);
	for (const g of groups) {
		const f = g.stack.find((x) => x.frame === frame);
		assert.equal(f.kind, 'js', `frame ${frame} has kind ${f.kind}`);
		assert.ok(typeof f.module === 'string' && f.module.endsWith(`tests/scripts/${script}`),
			  `frame ${frame} has module ${f.module}`);
		if (f.line !== undefined && f.line !== null)
			assert.ok(f.line >= first && f.line <= last,
				  `frame ${frame} at line ${f.line}, but ${frame} spans lines ${first}-${last}`);
	}
	return { proc, groups };
}

// The twin assertion: nothing leaks in bulk, and none of the scenario's kind/type leaks from
// the function that leaks in the leaking twin.  (Only that kind/type: the first fs.watch opens
// libuv's one inotify fd per loop, which the loop keeps for good, from watchConfig's stack.)
function assertHealthy(r, { kind, type, frame }) {
	const proc = processOf(r);
	const big = proc.leaks.filter((g) => !MEMORY_KINDS.includes(g.kind) && g.count > 5);
	assert.equal(big.length, 0, `fd/handle leak groups with count > 5:\n${describeLeaks(proc)}\n${describeRun(r)}`);
	const named = groupsOf(proc, { kind, type, frame });
	assert.equal(named.length, 0, `${kind}/${type} leak groups naming ${frame}:\n${describeLeaks(proc)}`);
	return proc;
}

function isRoot() {
	return process.getuid && process.getuid() === 0;
}

module.exports = {
	ROOT, LEAKSCOPE, NODE, NODE_FLAGS, PERF_FLAGS, SCHEMA, ATTACHED_RE, MEMORY_KINDS,
	run, lines, scriptPath, tmpReportPath, removePerfMaps, readReport, scriptResult, recordCommand, recordPid,
	waitForLine, waitForExit, describeLeaks, describeRun, assertValidReport, processOf, hasFrame,
	groupsOf, sumCount, assertNear, functionLines, assertLeak, assertHealthy, isRoot,
};
