// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks fds (fs.open, never closed) from four shapes of JavaScript function, to check that each
// is named in the stack without any node flag: an anonymous callback, a class method, an async
// function after an await, and a function hot enough to be optimized.  Each shape leaks COUNT
// fds.  Twin: heal-js-shapes.js (--heal: every fd is closed in the open's callback).
//
// The line of each function's declaration carries a `shape:` marker: the test expects the
// frame's line there.  Prints {"pid":N,"leaked":N,"optimizedLeaks":N,...} at the end.
'use strict';
const fs = require('fs');
const v8 = require('v8');

const COUNT = 8;
const INTERVAL_MS = 60; // 8 rounds of 4 shapes over ~0.5 s, then held
const HOLD_MS = 1500; // older than leakscope's default --min-age (1 s)
const heal = process.argv.includes('--heal');
const kept = [];
let opened = 0;

function done(err, fd) {
	if (err)
		throw err;
	opened++;
	if (heal)
		fs.closeSync(fd);
	else
		kept.push(fd);
}

class Repository {
	openIndex(file) { // shape: method
		fs.open(file, 'r', done);
	}
}

async function reopenAfterAwait(file) { // shape: async
	await new Promise((resolve) => setImmediate(resolve));
	fs.open(file, 'r', done);
}

// Called 100k times before each leak, V8 optimizes it (Turbofan, in node 18 to 24).  It opens
// through `opener`: warmed up with eight different no-op openers, the call site is megamorphic,
// so the real opener does not deoptimize it and the leak is opened from optimized code
// (`optimizedLeaks` counts those rounds).
function hotOpen(file, opener) { // shape: hot
	let sum = 0;
	for (let i = 0; i < 200; i++)
		sum += i & 7;
	opener(file);
	return sum;
}

function realOpen(file) { // shape: opener
	fs.open(file, 'r', done);
}

const noops = [];
for (let i = 0; i < 8; i++)
	noops.push(new Function('file', `return file.length + ${i};`));
// hotOpen and seven look-alikes called from one site: megamorphic, so Turbofan does not inline
// hotOpen into the (optimized on-stack) loop that calls it; inlined, its frame would be gone.
const callers = [hotOpen];
for (let i = 1; i < 8; i++)
	callers.push(new Function('file', 'opener', `opener(file); return ${i};`));

// %GetOptimizationStatus without a command-line flag: OptimizationStatus::kOptimized (Maglev
// or Turbofan; V8 src/runtime/runtime-test.cc) is bit 4 (16) up to V8 13 (node 24) and bit 3
// (8) from V8 14 (node 26), which dropped a flag before it.
v8.setFlagsFromString('--allow-natives-syntax');
const optimizationStatus = new Function('f', 'return %GetOptimizationStatus(f);');
const OPTIMIZED = Number(process.versions.v8.split('.')[0]) >= 14 ? 8 : 16;
const isOptimized = () => (optimizationStatus(hotOpen) & OPTIMIZED) !== 0;
let optimizedLeaks = 0;

// 100k calls of hotOpen, the last one with the real opener.
const CALLS = 8 * 100000 + 1;
function warmThenLeak() {
	let before = false;
	for (let i = 0; i < CALLS; i++) {
		const last = i === CALLS - 1;
		if (last)
			before = isOptimized();
		callers[i & 7](__filename, last ? realOpen : noops[i & 7]);
	}
	if (before && isOptimized())
		optimizedLeaks++;
}

const repo = new Repository();
let round = 0;
const timer = setInterval(() => {
	if (round++ === COUNT) {
		clearInterval(timer);
		setTimeout(finish, HOLD_MS);
		return;
	}
	setImmediate(() => { fs.open(__filename, 'r', done); }); // shape: anonymous
	repo.openIndex(__filename);
	reopenAfterAwait(__filename);
	warmThenLeak();
}, INTERVAL_MS);

function finish() {
	process.stdout.write(JSON.stringify({ pid: process.pid, leaked: heal ? 0 : kept.length,
					      opened, optimizedLeaks }) + '\n');
	process.exit(0);
}
