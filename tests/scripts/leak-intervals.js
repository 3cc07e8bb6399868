// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: every task starts a setInterval (a progress poller) that is never cleared;
// each poller's closure keeps 16 KiB alive.  ~200 tasks/s for 16 s.  Twin: heal-intervals.js
// (clearInterval when the task is done).  Prints {"pid":N,"leaked":INTERVALS}.
'use strict';

const RUN_MS = 16000;
const heal = process.argv.includes('--heal');
let live = 0;

function startTask(id) {
	const state = new Array(2048).fill(id); // 16 KiB the poller keeps
	const poller = setInterval(() => state.length, 60000);
	live++;
	setTimeout(() => {
		if (heal) {
			clearInterval(poller);
			live--;
		}
	}, 20);
}

let id = 0;
const started = Date.now();
const tick = setInterval(() => {
	for (let i = 0; i < 10; i++)
		startTask(id++);
	if (Date.now() - started >= RUN_MS) {
		clearInterval(tick);
		setTimeout(() => {
			process.stdout.write(JSON.stringify({ pid: process.pid, leaked: live }) + '\n');
			process.exit(0); // the leaked intervals would keep the process alive
		}, 300);
	}
}, 50);
