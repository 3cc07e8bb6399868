// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-children.js: the same 10 `sleep 30` spawns, each killed 50 ms later and
// waited for (its process handle closes on exit).  Same protocol as leak-children.js: ready
// line, --wait for a stdin line, result line, then alive until SIGTERM/SIGINT.
'use strict';
const { spawn } = require('child_process');

const COUNT = 10;
const INTERVAL_MS = 200;
const KILL_AFTER_MS = 50;
const HOLD_MS = 1500;
const MAX_LIFE_MS = 60000;

const live = new Set();
let spawned = 0;
let reaped = 0;

function spawnWorker(done) {
	const child = spawn('sleep', ['30'], { stdio: 'ignore' });
	child.on('error', (err) => {
		throw err;
	});
	spawned++;
	live.add(child);
	child.on('exit', () => {
		live.delete(child);
		reaped++;
		done();
	});
	setTimeout(() => child.kill('SIGTERM'), KILL_AFTER_MS);
}

function shutdown() {
	for (const child of live)
		child.kill('SIGKILL');
	process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
setTimeout(shutdown, MAX_LIFE_MS);

function start() {
	let issued = 0;
	const timer = setInterval(() => {
		spawnWorker(() => {
			if (reaped < COUNT)
				return;
			setTimeout(() => {
				process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, spawned,
								      reaped }) + '\n');
			}, HOLD_MS);
		});
		if (++issued === COUNT)
			clearInterval(timer);
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
