// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-sockets.js: the same 30 connections, but both ends are destroyed once
// connected, and the server is closed at the end.  Prints {"pid":N,"leaked":0,...}.
'use strict';
const net = require('net');

const COUNT = 30;
const INTERVAL_MS = 100;
const HOLD_MS = 1500;

let opened = 0;
let closed = 0; // sockets closed, both ends counted

const server = net.createServer((sock) => {
	sock.on('close', () => {
		closed++;
		maybeFinish();
	});
	sock.on('error', () => {}); // the peer's destroy() may reset the connection
	sock.destroy();
});

function openConnection(port) {
	const sock = net.connect({ port, host: '127.0.0.1' });
	sock.on('connect', () => {
		opened++;
		sock.destroy();
	});
	sock.on('close', () => {
		closed++;
		maybeFinish();
	});
	sock.on('error', () => {});
}

let finishing = false;
function maybeFinish() {
	if (finishing || closed < 2 * COUNT)
		return;
	finishing = true;
	server.close(() => {
		setTimeout(() => {
			process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, opened,
							      closed }) + '\n');
			process.exit(0);
		}, HOLD_MS);
	});
}

server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	let issued = 0;
	const timer = setInterval(() => {
		openConnection(port);
		if (++issued === COUNT)
			clearInterval(timer);
	}, INTERVAL_MS);
});
