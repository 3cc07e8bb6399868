// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Garbage for the collector: short-lived objects (scavenges), then a growing old generation
// dropped at once, and three explicit full collections (needs --expose-gc).  Run it with
// --trace-gc: the test compares leakscope's GC counts and pauses with V8's own lines.
// Prints {"pid":N,"leaked":0} at the end.
'use strict';

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

churn(600000);
growOld();
for (let i = 0; i < 3; i++)
	global.gc();
churn(300000);
setTimeout(() => process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0 }) + '\n'), 200);
