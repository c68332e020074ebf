'use strict';
// What loading the libraries costs, each in a fresh Node.js process (median of RUNS), and which
// of them a synth of main.ts loads. Printed by bench/synth/run.sh.

const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const register = path.join(root, 'tools', 'ts-run', 'register.js');
const runs = Number(process.env.RUNS || 5);

/** Milliseconds to require `target` in a fresh process, after requiring `before` (not counted). */
function loadTime(target, before) {
  const code = `${before ? `require(${JSON.stringify(before)});` : ''}
    const t = process.hrtime.bigint(); require(${JSON.stringify(target)});
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const times = [];
  for (let i = 0; i < runs; i++) {
    times.push(Number(execFileSync(process.execPath, ['-r', register, '-e', code], { cwd: root, encoding: 'utf8' })));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Which of `entries` (a package, or a file) a synth of every target of main.ts loads. */
function loadedBySynth(entries) {
  const out = path.join(require('os').tmpdir(), `module-costs-${process.pid}`);
  const code = `require(${JSON.stringify(path.join(root, 'main.ts'))}).main(['--outdir', ${JSON.stringify(out)}], process.env, () => {});
    require('fs').rmSync(${JSON.stringify(out)}, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(${JSON.stringify(entries)}.filter((e) => require.resolve(e) in require.cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['-r', register, '-e', code], { cwd: root, encoding: 'utf8' }));
}

const rows = [
  ['cdk8s', 'cdk8s', undefined],
  ['cdk8s-plus-27 (after cdk8s)', 'cdk8s-plus-27', 'cdk8s'],
  ['imports/k8s (after cdk8s)', path.join(root, 'imports', 'k8s.ts'), 'cdk8s'],
  ['ajv (after cdk8s)', 'ajv', 'cdk8s'],
  ['@swc/core', '@swc/core', undefined],
];
const loaded = loadedBySynth(rows.map((r) => r[1]));
console.log(`start-up costs: require() in a fresh process, median of ${runs}`);
for (const [name, target, before] of rows) {
  const used = loaded.includes(target) ? 'loaded by a synth' : 'not loaded by a synth';
  console.log(`  ${name.padEnd(30)} ${loadTime(target, before).toFixed(1).padStart(7)} ms   ${used}`);
}
