// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: native memory held by closures.  Every 50 ms makeHandler() allocates a 1 MiB
// Buffer (outside the V8 heap: glibc maps it) and returns a closure over it; the closures are
// kept in a module-level array for 8 s.  Then the script idles until killed, so the memory is
// still mapped when leakscope's recording ends (at exit node frees every Buffer).
// Twin: heal-buffer-closures.js (--drop: the same allocations, the closures dropped).
// Prints {"pid":N,"leaked":BYTES,"handlers":N}.
'use strict';

const RUN_MS = 8000;
const TICK_MS = 50;
const BUF_BYTES = 1 << 20;
const drop = process.argv.includes('--drop');

const kept = [];

function makeHandler() {
	const buf = Buffer.alloc(BUF_BYTES);
	return () => buf.length;
}

const started = Date.now();
let made = 0;
const timer = setInterval(() => {
	const handler = makeHandler();
	made++;
	if (!drop)
		kept.push(handler);
	if (Date.now() - started < RUN_MS)
		return;
	clearInterval(timer);
	// V8 frees a dropped Buffer's memory at the collection that finds it dead: one full
	// collection (node --expose-gc) makes the twin's end state independent of GC timing.
	if (typeof global.gc === 'function')
		global.gc();
	process.stdout.write(JSON.stringify({ pid: process.pid, leaked: kept.length * BUF_BYTES,
					      handlers: kept.length, made }) + '\n');
	setInterval(() => {}, 1000); // stay alive: leakscope ends the recording (-d)
}, TICK_MS);
