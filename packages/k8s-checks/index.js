'use strict';
// The package's entry point for plain Node (the cdk8s CLI, the bin, any script): the TypeScript
// sources are loaded through tsx's public CommonJS API, so there is no build step and an edit to
// src/ takes effect on the next run. Jest and tsc read src/index.ts directly.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./src/index.ts', __filename);
