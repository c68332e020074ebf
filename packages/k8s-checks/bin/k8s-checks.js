#!/usr/bin/env node
'use strict';
// `npx k8s-checks --help`: checks files or folders of Kubernetes manifests (src/cli/main.ts).
const { main } = require('../lib/cli/main.js');

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  // Input problems are reported by main; what arrives here is a fault of the command itself,
  // said in one line: a stack trace would tell the user nothing they can act on.
  process.stderr.write(`k8s-checks: internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}; please report it with the input that caused it\n`);
  process.exitCode = 2;
});
