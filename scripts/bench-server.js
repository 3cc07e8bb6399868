// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The server scripts/bench-overhead.sh loads: answers every request with a 12-byte body, on
// 127.0.0.1 (PORT, default an ephemeral port).  Prints {"ready":true,"pid":N,"port":N} once
// listening; runs until SIGTERM/SIGINT.
'use strict';
const http = require('http');

const body = Buffer.from('hello world\n');
const server = http.createServer((req, res) => {
	res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
	res.end(body);
});
server.keepAliveTimeout = 30000;

function stop() {
	server.close();
	process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({ ready: true, pid: process.pid,
					      port: server.address().port }) + '\n');
});
