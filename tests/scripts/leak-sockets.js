// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: 30 TCP client connections to a local server, made by openConnection() and
// never ended or destroyed; the server keeps its 30 accepted sockets too.  Twin: heal-sockets.js.
// Prints {"pid":N,"leaked":30,"server_leaked":30,...} at the end.
//
// Where each resource is created (node 20, lib/net.js): the client's libuv handle
// (uv_tcp_init, `new TCP()` in Socket.prototype.connect) on openConnection's stack; the client's
// socket fd later, in internalConnect, which lookupAndConnect defers with process.nextTick even
// for a literal IP; the server's accepted sockets in the event loop, with no JS on the stack.
'use strict';
const net = require('net');

const COUNT = 30;
const INTERVAL_MS = 100; // 30 x 100 ms = 3 s of leaking
const HOLD_MS = 1500; // past leakscope's default --min-age (1 s)

const clients = [];
const accepted = [];
let connected = 0;

const server = net.createServer((sock) => {
	accepted.push(sock);
	maybeFinish();
});

function openConnection(port) {
	const sock = net.connect({ port, host: '127.0.0.1' });
	sock.on('connect', () => {
		connected++;
		maybeFinish();
	});
	sock.on('error', (err) => {
		throw err;
	});
	clients.push(sock);
}

let finishing = false;
function maybeFinish() {
	if (finishing || connected < COUNT || accepted.length < COUNT)
		return;
	finishing = true;
	setTimeout(() => {
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked: connected,
						      server_leaked: accepted.length, kind: 'handle',
						      type: 'tcp', frame: 'openConnection' }) + '\n');
		process.exit(0);
	}, HOLD_MS);
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
