// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-watchers.js: the same 25 watchers, each closed 50 ms after it starts.
// Prints {"pid":N,"leaked":0,...}.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const COUNT = 25;
const INTERVAL_MS = 100;
const CLOSE_AFTER_MS = 50;
const HOLD_MS = 1500;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-watchers-'));
let opened = 0;
let closed = 0;

function watchConfig(file) {
	const watcher = fs.watch(file, () => {});
	opened++;
	setTimeout(() => {
		watcher.close();
		closed++;
	}, CLOSE_AFTER_MS);
}

let issued = 0;
const timer = setInterval(() => {
	const file = path.join(dir, `config-${issued}.json`);
	fs.writeFileSync(file, '{}\n');
	watchConfig(file);
	if (++issued < COUNT)
		return;
	clearInterval(timer);
	setTimeout(() => {
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, opened,
						      closed }) + '\n');
		fs.rmSync(dir, { recursive: true, force: true });
		process.exit(0);
	}, HOLD_MS);
}, INTERVAL_MS);
