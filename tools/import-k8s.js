#!/usr/bin/env node
// Regenerates imports/k8s.ts exactly as `cdk8s import k8s@1.27.0` would, without a network.
//
// cdk8s-cli's k8s importer downloads one file, the cdk8s project's copy of the Kubernetes
// OpenAPI definitions, and generates the TypeScript offline. We give its download step the
// committed copy of that file (packages/k8s-checks/schemas/k8s-<version>/_definitions.json) and let the CLI's own
// code generation run unchanged, so the output is the one the online import produces.
'use strict';
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');

const VERSION = '1.27.0';
const root = path.resolve(__dirname, '..');
// `--output DIR` writes elsewhere (the test compares it with the committed file).
const { values } = parseArgs({ options: { output: { type: 'string' } } });
const outdir = values.output ? path.resolve(values.output) : path.join(root, 'imports');
const schemaFile = path.join(root, 'packages', 'k8s-checks', 'schemas', `k8s-${VERSION}`, '_definitions.json');
// cdk8s-cli's package "exports" hide lib/*, so its modules are loaded by file path.
const cliDir = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cliDir, 'lib', 'util.js'));
const { importDispatch } = require(path.join(cliDir, 'lib', 'import', 'dispatch.js'));
const { Language } = require(path.join(cliDir, 'lib', 'import', 'base.js'));

if (!fs.existsSync(schemaFile)) {
  console.error(`import-k8s: schema not found at ${schemaFile}`);
  process.exit(1);
}

const expectedUrl = `/kubernetes-schemas/v${VERSION}/_definitions.json`;
util.download = async (url) => {
  if (!url.endsWith(expectedUrl)) {
    throw new Error(`import-k8s: unexpected download of ${url}; only ${expectedUrl} is served offline`);
  }
  return fs.readFileSync(schemaFile, 'utf-8');
};

importDispatch([{ source: `k8s@${VERSION}` }], {}, {
  targetLanguage: Language.TYPESCRIPT,
  outdir,
  save: false, // cdk8s.yaml already lists k8s@1.27.0
}).then(() => {
  console.error(`import-k8s: wrote ${path.relative(root, path.join(outdir, 'k8s.ts'))} from ${path.relative(root, schemaFile)}`);
}, (err) => {
  console.error(`import-k8s: ${err.message}`);
  process.exit(1);
});
