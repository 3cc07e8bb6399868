// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-map-cache.js: the same traffic, but the cache keeps its 4000 newest
// entries (~8 MB) and evicts the oldest, as an LRU would.  Prints {"pid":N,"leaked":0,...}.
'use strict';

const RUN_MS = 16000;
const TICK_MS = 50;
const ENTRY_BYTES = 2048;
const PER_TICK = 100;
const MAX_ENTRIES = 4000;

const cache = new Map();
let seq = 0;

function cacheResult(key, value) {
	cache.set(key, value);
	if (cache.size > MAX_ENTRIES)
		cache.delete(cache.keys().next().value); // Maps iterate in insertion order
}

function handleRequest() {
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
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, entries: cache.size }) +
				     '\n');
	}
}, TICK_MS);
