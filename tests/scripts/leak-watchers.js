// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: watchConfig() puts fs.watch on 25 temp files and never closes the watchers
// (each is a libuv fs_event handle; libuv shares one inotify fd per loop).  Twin:
// heal-watchers.js.  Prints {"pid":N,"leaked":25,...} at the end.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const COUNT = 25;
const INTERVAL_MS = 100; // 25 x 100 ms = 2.5 s of leaking
const HOLD_MS = 1500; // past leakscope's default --min-age (1 s)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-watchers-'));
const watchers = [];

function watchConfig(file) {
	const watcher = fs.watch(file, () => {});
	watchers.push(watcher);
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
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked: watchers.length,
						      kind: 'handle', type: 'fs_event',
						      frame: 'watchConfig' }) + '\n');
		fs.rmSync(dir, { recursive: true, force: true });
		process.exit(0);
	}, HOLD_MS);
}, INTERVAL_MS);
