#!/usr/bin/env node
'use strict';
// `npx k8s-checks --help`: checks files or folders of Kubernetes manifests (src/cli/main.ts).
const { main } = require('../index.js');

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`k8s-checks: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 2;
});
