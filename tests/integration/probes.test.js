// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What each probe family does on programs that are not the node it was made for: a node
// binary stripped of its symbol table, and a program that is not node at all.  fds are traced
// everywhere; the report says which families attached and why any did not; nothing crashes.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const L = require('./lib');

async function record(cmd, tag) {
	const out = L.tmpReportPath(tag);
	const args = ['record', '--format', 'json', '-o', out, '--', ...cmd];
	const r = await L.run(L.LEAKSCOPE, args, { timeoutMs: 60000, cwd: path.dirname(out) });
	return { ...r, cmdline: [L.LEAKSCOPE, ...args].join(' '), ...L.readReport(out),
		 result: L.scriptResult(r.stdout) };
}

test('probes__stripped_node__fds_and_exported_uv_probes_work_missing_ones_said', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-strip-'));
	const node = path.join(dir, 'node-stripped');
	try {
		fs.copyFileSync(process.execPath, node);
		fs.chmodSync(node, 0o755);
		const s = await L.run('strip', ['--strip-all', node], { timeoutMs: 60000 });
		assert.equal(s.code, 0, L.describeRun(s));
		const r = await record([node, L.scriptPath('leak-watchers.js')], 'stripped');
		L.assertValidReport(r);
		assert.equal(r.result.leaked, 25);
		const p = r.report.processes.find((x) => x.pid === r.result.pid);
		assert.ok(p, `no process ${r.result.pid} in the report`);
		assert.equal(p.probes.fds, 'attached');
		// node exports the uv_* API for addons (.dynsym); the internals are gone with .symtab
		assert.match(p.probes.handles, /^attached \(no uv__fs_work symbol/, JSON.stringify(p.probes));
		const watchers = L.sumCount(L.groupsOf(p, { kind: 'handle', type: 'fs_event' }));
		assert.ok(watchers >= 23 && watchers <= 27, `fs_event handles: ${watchers}\n${L.describeLeaks(p)}`);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

test('probes__not_node__fds_only_node_families_skipped_with_reason', async () => {
	// a shell that opens two files and keeps them while it sleeps past --min-age
	const r = await record(['sh', '-c', 'exec 7</dev/null 8</etc/hostname; sleep 1.5; echo done'],
			       'not-node');
	L.assertValidReport(r);
	assert.equal(r.code, 0, L.describeRun(r));
	const sh = r.report.processes.find((p) => p.comm === 'sh');
	assert.ok(sh, `no sh process in ${JSON.stringify(r.report.processes.map((p) => p.comm))}`);
	assert.equal(sh.probes.fds, 'attached');
	// dash has no function symbols of its own: "stripped", or with them, "no libuv"
	assert.match(sh.probes.handles, /^skipped: (no libuv|the program is stripped)/,
		     JSON.stringify(sh.probes));
	assert.match(sh.probes.gc, /^skipped: /, JSON.stringify(sh.probes));
	const files = L.sumCount(L.groupsOf(sh, { kind: 'fd', type: 'file' }));
	assert.ok(files >= 2, `file fds: ${files}\n${L.describeLeaks(sh)}`);
});
