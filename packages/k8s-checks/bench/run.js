#!/usr/bin/env node
'use strict';
// `node bench/run.js --help`: the benchmark of the checks (compare.ts). tsx's hook is registered
// for the whole process: the previous implementation is loaded from a git revision as it was.
require('tsx/cjs/api').register();

require('./compare.ts').main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
