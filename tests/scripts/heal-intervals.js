// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-intervals.js: each task clears its interval when it is done.
'use strict';
process.argv.push('--heal');
require('./leak-intervals.js');
