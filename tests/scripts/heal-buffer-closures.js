// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-buffer-closures.js: the same 1 MiB Buffers every 50 ms, the closures
// that hold them dropped at once.
'use strict';
process.argv.push('--drop');
require('./leak-buffer-closures.js');
