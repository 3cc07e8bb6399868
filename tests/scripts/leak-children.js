// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: spawnWorker() starts 10 `sleep 30` children (child_process.spawn, stdio
// ignored, so the leak is the libuv process handle alone) and never kills or waits for them.
// Twin: heal-children.js.
//
// Long-lived, to be traced with `leakscope record -p PID`:
//   1. prints {"ready":true,"pid":N}
//   2. with --wait, waits for a line on stdin (the tracer is attached) before leaking
//   3. prints {"pid":N,"leaked":10,...} once the last child is older than HOLD_MS
//   4. stays alive until SIGTERM/SIGINT (or MAX_LIFE_MS), then kills its children and exits,
//      so no `sleep` outlives the test, and the recording ends before the children die.
'use strict';
const { spawn } = require('child_process');

const COUNT = 10;
const INTERVAL_MS = 200; // 10 x 200 ms = 2 s of leaking
const HOLD_MS = 1500; // past leakscope's default --min-age (1 s)
const MAX_LIFE_MS = 60000;

const children = [];

function spawnWorker() {
	const child = spawn('sleep', ['30'], { stdio: 'ignore' });
	child.on('error', (err) => {
		throw err;
	});
	children.push(child);
}

function shutdown() {
	for (const child of children)
		child.kill('SIGKILL');
	process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
setTimeout(shutdown, MAX_LIFE_MS);

function start() {
	let issued = 0;
	const timer = setInterval(() => {
		spawnWorker();
		if (++issued < COUNT)
			return;
		clearInterval(timer);
		setTimeout(() => {
			process.stdout.write(JSON.stringify({ pid: process.pid, leaked: children.length,
							      kind: 'handle', type: 'process',
							      frame: 'spawnWorker' }) + '\n');
		}, HOLD_MS);
	}, INTERVAL_MS);
}

process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
if (process.argv.includes('--wait'))
	process.stdin.once('data', () => {
		process.stdin.pause();
		start();
	});
else
	start();
