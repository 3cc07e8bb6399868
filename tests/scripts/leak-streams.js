// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: 40 file read streams, each read once and abandoned without destroy(), so
// each keeps its fd open.  Twin: heal-streams.js.  Prints {"pid":N,"leaked":40,...} at the end.
//
// Why processFile calls fs.open itself: fs.createReadStream(path) does not open the file from
// the caller's stack.  Since node 15 the open runs from ReadStream._construct, which
// lib/internal/streams/destroy.js schedules with process.nextTick, so the JS stack that issues
// uv_fs_open is constructNT <- processTicksAndRejections, not the caller.  Opening first and
// handing the fd to createReadStream (which then owns it: autoClose) keeps processFile on the
// stack.  `--path` runs the createReadStream(path) form instead, to show what a tool sees then.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const COUNT = 40;
const INTERVAL_MS = 75; // 40 x 75 ms = 3 s of leaking
const HOLD_MS = 1500; // the last leak must outlive leakscope's default --min-age (1 s)
const usePath = process.argv.includes('--path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-streams-'));
const file = path.join(dir, 'input.bin');
// 1 MiB: far above the 64 KiB highWaterMark, so a paused stream never reaches EOF (which
// would close the fd by itself).
fs.writeFileSync(file, Buffer.alloc(1 << 20, 0x61));

const abandoned = []; // raw fds have no GC finalizer, but keep the streams to be certain
let leaked = 0;

function readFirstChunk(stream, done) {
	stream.once('data', () => {
		stream.pause();
		abandoned.push(stream);
		leaked++;
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
		process.stdout.write(JSON.stringify({ pid: process.pid, leaked, kind: 'fd', type: 'file',
						      frame: 'processFile' }) + '\n');
		process.exit(0);
	}, HOLD_MS);
}

let issued = 0;
const timer = setInterval(() => {
	if (issued === COUNT)
		return;
	issued++;
	processFile(file, () => {
		if (leaked === COUNT) {
			clearInterval(timer);
			finish();
		}
	});
}, INTERVAL_MS);
