// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Leaks one way: an HTTP server whose handler subscribes to a long-lived EventEmitter on
// every request and never unsubscribes; each listener's closure keeps 16 KiB alive.  Its own
// client sends ~200 requests/s for 16 s.  Twin: heal-listeners.js.
// Prints {"pid":N,"leaked":LISTENERS}.
'use strict';
const http = require('http');
const { EventEmitter } = require('events');

const RUN_MS = 16000;
const config = new EventEmitter();
config.setMaxListeners(0);
const heal = process.argv.includes('--heal');

function handleRequest(req, res) {
	const context = new Array(2048).fill(req.url.length); // 16 KiB the listener keeps
	const onReload = () => context.length;
	config.on('reload', onReload);
	res.end('ok\n');
	if (heal)
		res.on('finish', () => config.off('reload', onReload));
}

const server = http.createServer(handleRequest);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	const started = Date.now();
	const tick = setInterval(() => {
		for (let i = 0; i < 10; i++)
			http.get({ port, host: '127.0.0.1', path: '/x', agent }, (res) => res.resume());
		if (Date.now() - started >= RUN_MS) {
			clearInterval(tick);
			setTimeout(() => {
				process.stdout.write(JSON.stringify({
					pid: process.pid, leaked: config.listenerCount('reload') }) + '\n');
				agent.destroy();
				server.close();
			}, 300);
		}
	}, 50);
});
