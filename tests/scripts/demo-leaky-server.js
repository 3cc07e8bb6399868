// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The `make demo` target: a tiny HTTP server with one leaky route, and its own client.
// POST /upload is handled by handleUpload(), which opens the stored upload to send back a
// preview of its first chunk, and never closes the stream: one leaked fd per upload request.
// GET /health leaks nothing.  The client sends both for ~5 s, then the script waits past
// leakscope's default --min-age, prints {"pid":N,"leaked":N,"requests":N} and exits.
//
// Try:  leakscope record -- node --perf-basic-prof --interpreted-frames-native-stack \
//           tests/scripts/demo-leaky-server.js
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const RUN_MS = 5000;
const INTERVAL_MS = 50;
const HOLD_MS = 1500;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-demo-'));
const stored = path.join(dir, 'upload.bin');
fs.writeFileSync(stored, Buffer.alloc(1 << 20, 0x62));

let leaked = 0;

// The bug: the stream is paused after one chunk and dropped, so its fd is never closed.
// The fix is one line: stream.destroy() after reading the chunk.
function handleUpload(req, res) {
	req.resume();
	fs.open(stored, 'r', (err, fd) => {
		if (err) {
			res.writeHead(500).end();
			return;
		}
		const stream = fs.createReadStream(null, { fd });
		stream.once('data', (chunk) => {
			stream.pause();
			leaked++;
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end(`stored ${chunk.length} bytes (preview)\n`);
		});
	});
}

function handleHealth(req, res) {
	res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
}

const server = http.createServer((req, res) => {
	if (req.method === 'POST' && req.url === '/upload')
		handleUpload(req, res);
	else
		handleHealth(req, res);
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let requests = 0;

function request(port, method, url) {
	const req = http.request({ host: '127.0.0.1', port, method, path: url, agent }, (res) => {
		res.resume();
		requests++;
	});
	req.on('error', (err) => {
		throw err;
	});
	req.end(method === 'POST' ? 'payload' : undefined);
}

server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	let n = 0;
	const timer = setInterval(() => {
		const upload = n++ % 2 === 0;
		request(port, upload ? 'POST' : 'GET', upload ? '/upload' : '/health');
	}, INTERVAL_MS);
	setTimeout(() => {
		clearInterval(timer);
		setTimeout(() => {
			agent.destroy();
			fs.rmSync(dir, { recursive: true, force: true });
			process.stdout.write(JSON.stringify({ pid: process.pid, leaked, requests,
							      kind: 'fd', type: 'file',
							      frame: 'handleUpload' }) + '\n');
			process.exit(0);
		}, HOLD_MS);
	}, RUN_MS);
});
