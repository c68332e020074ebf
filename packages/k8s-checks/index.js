'use strict';
// The package's entry point for plain Node (the cdk8s CLI, the bin, any script): the TypeScript
// sources are loaded through tsx's public CommonJS API, so there is no build step and an edit to
// src/ takes effect on the next run. Jest and tsc read src/index.ts directly.
//
// A process that already loads TypeScript (a host app run with its own `-r` TypeScript hook)
// loads the sources with that hook: tsx's namespaced require replaces the process' `.ts` loader
// for every later module, so the host's own TypeScript files would no longer load. Plain Node
// refuses the TypeScript file with a SyntaxError before running any of it; then tsx loads it.
function load() {
  try {
    return require('./src/index.ts');
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const { require: tsxRequire } = require('tsx/cjs/api');
    return tsxRequire('./src/index.ts', __filename);
  }
}

module.exports = load();
