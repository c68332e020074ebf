'use strict';
// Prints the figures of bench/synth/run.sh from hyperfine's JSON files:
//   node bench/synth/report.js <folder of <name>.json> "<sizes>"

const fs = require('fs');
const path = require('path');

const [dir, sizesArg] = process.argv.slice(2);
const sizes = (sizesArg || '').split(/\s+/).filter(Boolean).map(Number);

function stats(name) {
  const { results } = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const times = [...results[0].times].sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { min: times[0], median, runs: times.length };
}

const s = (t) => `${t.toFixed(3)} s`;
const row = (label, st) => console.log(`  ${label.padEnd(58)} min ${s(st.min).padStart(9)}   median ${s(st.median).padStart(9)}`);

const a = stats('a-template');
const b = stats('b-npm-run-synth');
console.log('\nthe app (3 targets, 43 objects, validated)');
row('(a)  npx ts-node main.ts            (cdk8s template)', a);
row('(b)  npm run synth                  (this project)', b);
row('     node -r ./tools/ts-run/register.js main.ts', stats('b-node'));
row('     the same with empty caches     (after npm ci)', stats('b0-empty-caches'));
row('(c)  kubectl kustomize, same YAML   (emitting only)', stats('c-kustomize'));
console.log(`  ratio (a)/(b): ${(a.median / b.median).toFixed(1)} (medians), ${(a.min / b.min).toFixed(1)} (minimums)`);

if (sizes.length) {
  console.log('\n(d) generated services: ServiceAccount, Deployment, Service, PDB, NetworkPolicy, HPA each');
  console.log(`  ${'services'.padEnd(9)}${'with checks (median)'.padStart(22)}${'per service'.padStart(14)}${'no checks (median)'.padStart(22)}${'per service'.padStart(14)}`);
  let previous;
  for (const n of sizes) {
    const full = stats(`d-${n}`);
    const bare = stats(`d-${n}-no-checks`);
    console.log(`  ${String(n).padEnd(9)}${s(full.median).padStart(22)}${`${(full.median / n * 1000).toFixed(2)} ms`.padStart(14)}`
      + `${s(bare.median).padStart(22)}${`${(bare.median / n * 1000).toFixed(2)} ms`.padStart(14)}`);
    if (previous) {
      const marginal = (full.median - previous.full.median) / (n - previous.n) * 1000;
      console.log(`  ${''.padEnd(9)}from ${previous.n} to ${n}: ${marginal.toFixed(2)} ms per added service (with checks)`);
    }
    previous = { n, full };
  }
}
console.log('');
