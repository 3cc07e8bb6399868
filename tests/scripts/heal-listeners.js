// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-listeners.js: the same server, but each request's listener is removed
// when its response finishes.
'use strict';
process.argv.push('--heal');
require('./leak-listeners.js');
