// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-streams.js: the same 40 opens and first-chunk reads, but every stream is
// destroyed after its first chunk, which closes its fd.  Prints {"pid":N,"leaked":0,...}.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const COUNT = 40;
const INTERVAL_MS = 75;
const HOLD_MS = 1500;
const usePath = process.argv.includes('--path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-streams-'));
const file = path.join(dir, 'input.bin');
fs.writeFileSync(file, Buffer.alloc(1 << 20, 0x61));

let opened = 0;
let closed = 0;

function readFirstChunk(stream, done) {
	stream.once('data', () => {
		opened++;
		stream.destroy();
	});
	stream.once('close', () => {
		closed++;
		done();
	});
	stream.on('error', (err) => {
		throw err;
	});
}

function processFile(name, done) {
	if (usePath) {
		readFirstChunk(fs.createReadStream(name), done);
		return;
	}
	fs.open(name, 'r', (err, fd) => {
		if (err)
			throw err;
		readFirstChunk(fs.createReadStream(null, { fd }), done);
	});
}

function finish() {
	setTimeout(() => {
		fs.rmSync(dir, { recursive: true, force: true });
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked: 0, opened, closed }) + '\n');
		process.exit(0);
	}, HOLD_MS);
}

let issued = 0;
const timer = setInterval(() => {
	if (issued === COUNT)
		return;
	issued++;
	processFile(file, () => {
		if (closed === COUNT) {
			clearInterval(timer);
			finish();
		}
	});
}, INTERVAL_MS);
