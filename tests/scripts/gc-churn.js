// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Garbage for the collector: short-lived objects (scavenges), then a growing old generation
// dropped at once, and three explicit full collections (needs --expose-gc).  Run it with
// --trace-gc: the test compares leakscope's GC counts and pauses with V8's own lines.
// Prints {"pid":N,"leaked":0,"afterGc":[{anon,file}, ...]} at the end: the RSS from
// /proc/self/status right after each explicit collection.
'use strict';
const fs = require('node:fs');

function churn(rounds) {
	let keep = [];
	for (let i = 0; i < rounds; i++) {
		keep.push({ i, s: 'x'.repeat(32) });
		if (keep.length > 20000)
			keep = [];
	}
	return keep.length;
}

function growOld() {
	const old = [];
	for (let i = 0; i < 40; i++)
		old.push(new Array(50000).fill(i));
	return old.length;
}

// The process's resident memory as /proc gives it (kB: the kernel's mm counters, as BPF reads
// them at each collection's end), right after a collection.
function rssNow() {
	const kB = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')
		.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
	return { anon: kB('RssAnon'), file: kB('RssFile') + kB('RssShmem') };
}

const afterGc = [];
churn(600000);
growOld();
for (let i = 0; i < 3; i++) {
	global.gc();
	afterGc.push(rssNow());
}
churn(300000);
setTimeout(() => process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, afterGc }) + '\n'),
	   200);
