'use strict';
// Prints the figures of bench/synth/run.sh from hyperfine's JSON files and the watch loop's
// JSON lines:
//   node bench/synth/report.js <folder of <name>.json and watch.jsonl> "<sizes>"

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
const row = (label, st, base) => console.log(`  ${label.padEnd(60)} min ${s(st.min).padStart(9)}   median ${s(st.median).padStart(9)}`
  + (base ? `   ${(st.median / base.median).toFixed(2).padStart(5)}x (b)` : ''));

const b = stats('b-npm-run-synth');
console.log('\nthe app: target dev (7 objects), validated');
row('(a)  npx ts-node main.ts              (cdk8s template)', stats('a-template'), b);
row('(b)  npm run synth                    (this project, tsx)', b, b);
row('     node --import tsx ... main.ts    (what npm runs)', stats('b-node'), b);
row('     the same with empty caches       (after npm ci)', stats('b0-empty-caches'), b);
row('(c)  npx cdk8s synth                  (CLI + plugins)', stats('c-cdk8s-synth'), b);
row('     npx cdk8s synth --no-validate', stats('c-cdk8s-synth-no-validate'), b);
row('(d)  kubectl kustomize, same YAML     (emitting only)', stats('d-kustomize'), b);

if (sizes.length) {
  console.log('\n(e) generated services: ServiceAccount, Deployment, Service, PDB, NetworkPolicy, HPA each');
  console.log(`  ${'services'.padEnd(9)}${'validated (median)'.padStart(22)}${'per service'.padStart(14)}${'no checks (median)'.padStart(22)}${'per service'.padStart(14)}`);
  let previous;
  for (const n of sizes) {
    const full = stats(`e-${n}`);
    const bare = stats(`e-${n}-no-checks`);
    console.log(`  ${String(n).padEnd(9)}${s(full.median).padStart(22)}${`${(full.median / n * 1000).toFixed(2)} ms`.padStart(14)}`
      + `${s(bare.median).padStart(22)}${`${(bare.median / n * 1000).toFixed(2)} ms`.padStart(14)}`);
    if (previous) {
      const marginal = (full.median - previous.full.median) / (n - previous.n) * 1000;
      console.log(`  ${''.padEnd(9)}from ${previous.n} to ${n}: ${marginal.toFixed(2)} ms per added service (validated)`);
    }
    previous = { n, full };
  }
}

const watchFile = path.join(dir, 'watch.jsonl');
if (fs.existsSync(watchFile)) {
  console.log('\n(f) the watch loop: a save of the app file to a validated, written dist/ (ms)');
  for (const line of fs.readFileSync(watchFile, 'utf8').split('\n').filter(Boolean)) {
    const w = JSON.parse(line);
    const cold = w.name === 'app' ? b : sizes.length ? stats(`e-${sizes[sizes.length - 1]}`) : undefined;
    console.log(`  ${w.name.padEnd(14)} median ${String(w.total.median).padStart(6)} (${w.total.min}-${w.total.max}) over ${w.edits} saves;`
      + ` the synth's share ${w.synth.median}` + (cold ? `; ${(w.total.median / 1000 / cold.median * 100).toFixed(0)} % of a cold synth (${s(cold.median)})` : ''));
  }
}
console.log('');
