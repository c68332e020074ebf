'use strict';
// jest's globalSetup for the system tests: the programs they start (the k8s-checks bin, the cdk8s
// CLI with the plugins of cdk8s.yaml, npm pack) load the workspace packages as built JavaScript,
// so they are built from the sources as they are now. tsc is incremental: with nothing changed
// this takes a second or two.
const { spawnSync } = require('child_process');
const path = require('path');

module.exports = async function buildWorkspacePackages() {
  const r = spawnSync('npm', ['run', 'build', '--workspaces', '--if-present', '--silent'], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf-8' });
  if (r.status !== 0) throw new Error(`npm run build --workspaces failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
};
