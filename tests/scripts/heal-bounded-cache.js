// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Healthy twin of leak-map-cache.js: the same traffic, but the cache keeps its 4000 newest
// entries (~8 MB) and evicts the oldest, as an LRU would.
'use strict';
process.argv.push('--bounded');
require('./leak-map-cache.js');
