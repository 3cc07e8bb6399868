// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-js-shapes.js: the same opens from the same four functions, each fd
// closed in the open's callback.
'use strict';
process.argv.push('--heal');
require('./leak-js-shapes.js');
