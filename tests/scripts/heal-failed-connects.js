// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy: 60 connections whose name lookup fails, so each tcp handle is created and closed
// without ever getting a socket (no fd to release it through).  leakscope must see every one
// of them closed (docs/design.md: stream handles are released through their fds, or when
// they are found closing before they had one).  Prints {"pid":N,"leaked":0,"failed":60}.
'use strict';
const net = require('net');

const COUNT = 60;
let failed = 0;

function failingConnect() {
	const socket = net.connect({
		host: 'leakscope.invalid',
		port: 80,
		lookup: (host, opts, cb) => setImmediate(() => cb(new Error('no such host'))),
	});
	socket.on('error', () => {
		failed++;
	});
}

for (let i = 0; i < COUNT; i++)
	setTimeout(failingConnect, i * 20);
// past the last failure plus leakscope's default --min-age
setTimeout(() => {
	process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, failed }) + '\n');
}, COUNT * 20 + 1500);
