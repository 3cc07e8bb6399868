// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: a module-level Map cache that only grows.  cacheResult() stores ~4 MB/s of
// results under keys that never repeat, for 16 s, among short-lived garbage (so V8 collects
// often).  Twin: heal-bounded-cache.js (--bounded: keep the newest MAX_ENTRIES, as an LRU
// would).  Prints {"pid":N,"leaked":BYTES,"entries":N}.
'use strict';

const RUN_MS = 16000;
const TICK_MS = 50;
const ENTRY_BYTES = 2048;
const PER_TICK = 100; // 100 x 2 KiB every 50 ms: ~4 MB/s
const MAX_ENTRIES = 4000; // with --bounded: ~8 MB
const bounded = process.argv.includes('--bounded');

const cache = new Map();
let seq = 0;

function cacheResult(key, value) {
	cache.set(key, value);
	if (bounded && cache.size > MAX_ENTRIES)
		cache.delete(cache.keys().next().value); // Maps iterate in insertion order
}

function handleRequest() {
	// garbage: what a request allocates and drops
	const scratch = [];
	for (let i = 0; i < 2000; i++)
		scratch.push({ i, s: `item-${i}` });
	const key = `request-${seq++}`;
	cacheResult(key, new Array(ENTRY_BYTES / 8).fill(seq)); // unique: ENTRY_BYTES on the heap
	return scratch.length;
}

const started = Date.now();
const timer = setInterval(() => {
	for (let i = 0; i < PER_TICK; i++)
		handleRequest();
	if (Date.now() - started >= RUN_MS) {
		clearInterval(timer);
		process.stdout.write(JSON.stringify({ pid: process.pid,
						      leaked: bounded ? 0 : cache.size * ENTRY_BYTES,
						      entries: cache.size }) + '\n');
	}
}, TICK_MS);
