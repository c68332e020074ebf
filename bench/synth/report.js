'use strict';
// Prints the figures of bench/synth/run.sh from hyperfine's JSON files, the peak memory GNU time
// recorded (mem-<name>, KiB per run) and the watch loop's JSON lines, then each goal with the
// figures of this run it is judged by:
//   node bench/synth/report.js <folder of <name>.json, mem-<name> and watch.jsonl> "<sizes>"

const fs = require('fs');
const path = require('path');

const [dir, sizesArg] = process.argv.slice(2);
const sizes = (sizesArg || '').split(/\s+/).filter(Boolean).map(Number);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
function stats(name) {
  const { results } = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const times = results[0].times;
  return { min: Math.min(...times), median: median(times), runs: times.length, cpu: results[0].user + results[0].system };
}
/** Peak resident memory in MiB (median over the runs), or undefined when not recorded. */
function peakMiB(name) {
  const file = path.join(dir, `mem-${name}`);
  if (!fs.existsSync(file)) return undefined;
  const kib = fs.readFileSync(file, 'utf8').split('\n').map(Number).filter((n) => n > 0);
  return kib.length ? median(kib) / 1024 : undefined;
}

const s = (t) => `${t.toFixed(3)} s`;
// CPU time (user + system, children included, mean of the runs) beside the wall times: on a
// shared machine it is the steadier figure.
const row = (label, st, base) => console.log(`  ${label.padEnd(60)} min ${s(st.min).padStart(9)}   median ${s(st.median).padStart(9)}`
  + (base ? `   ${(st.median / base.median).toFixed(2).padStart(5)}x (b)` : '') + `   cpu ${s(st.cpu).padStart(9)}`);

const b = stats('b-npm-run-synth');
const a = stats('a-template');
console.log('\nthe app: target dev, validated');
row('(a)  npx ts-node main.ts              (cdk8s template)', a, b);
row('(b)  npm run synth                    (compiled once)', b, b);
row('     npm run env                      (npm\'s own share)', stats('b-npm-floor'), b);
row('     node synth/compiled-entry.js  (what npm runs)', stats('b-node'), b);
row('     the same with empty caches       (after npm ci)', stats('b0-empty-caches'), b);
row('     node --import tsx ... main.ts    (tsx alone)', stats('b-tsx'), b);
row('(c)  npx cdk8s synth                  (CLI + plugins)', stats('c-cdk8s-synth'), b);
row('     npx cdk8s synth --no-validate', stats('c-cdk8s-synth-no-validate'), b);
row('     npx cdk8s --version              (CLI start-up)', stats('c-cdk8s-version'), b);
row('(d)  kubectl kustomize, same YAML     (emitting only)', stats('d-kustomize'), b);

const many = new Map();
if (sizes.length) {
  console.log('\n(e) generated services: ServiceAccount, Deployment, Service, PDB, NetworkPolicy, HPA each');
  console.log(`  ${'services'.padEnd(9)}${'validated (median)'.padStart(20)}${'per service'.padStart(13)}${'peak memory'.padStart(13)}${'no checks'.padStart(12)}${'per service'.padStart(13)}${'runs'.padStart(6)}`);
  let previous;
  for (const n of sizes) {
    const full = stats(`e-${n}`);
    const bare = stats(`e-${n}-no-checks`);
    const mem = peakMiB(`e-${n}`);
    many.set(n, { full, mem });
    console.log(`  ${String(n).padEnd(9)}${s(full.median).padStart(20)}${`${(full.median / n * 1000).toFixed(2)} ms`.padStart(13)}`
      + `${(mem === undefined ? '-' : `${mem.toFixed(0)} MiB`).padStart(13)}${s(bare.median).padStart(12)}${`${(bare.median / n * 1000).toFixed(2)} ms`.padStart(13)}${String(full.runs).padStart(6)}`);
    if (previous) {
      const marginal = (full.median - previous.full.median) / (n - previous.n) * 1000;
      console.log(`  ${''.padEnd(9)}from ${previous.n} to ${n}: ${marginal.toFixed(2)} ms per added service (validated)`);
    }
    previous = { n, full };
  }
}

const watch = new Map();
const watchFile = path.join(dir, 'watch.jsonl');
if (fs.existsSync(watchFile)) {
  console.log('\n(f) the watch loop: a save of the app file to a validated, written dist/ (ms)');
  for (const line of fs.readFileSync(watchFile, 'utf8').split('\n').filter(Boolean)) {
    const w = JSON.parse(line);
    watch.set(w.name, w);
    console.log(`  ${w.name.padEnd(14)} median ${String(w.total.median).padStart(6)} (${w.total.min}-${w.total.max}) over ${w.edits} saves;`
      + ` the synth's share ${w.synth.median}`);
  }
}

const writerFile = path.join(dir, 'yaml-writer.json');
if (fs.existsSync(writerFile)) {
  const w = JSON.parse(fs.readFileSync(writerFile, 'utf8'));
  console.log(`\n(g) writing the YAML of ${w.services} services (${w.objects} objects), median of ${w.rounds}, same bytes`);
  console.log(`  cdk8s Yaml.stringify (the yaml package)   ${w.library.toFixed(0).padStart(6)} ms   ${(w.library / w.own).toFixed(2).padStart(5)}x manifestYaml`);
  console.log(`  manifestYaml (synth/manifest-yaml.ts)      ${w.own.toFixed(0).padStart(6)} ms    1.00x`);
}

// The goals, each judged by this run's figures.
const goals = [];
const goal = (text, met, figures) => goals.push({ text, met, figures });
goal('npm run synth of the app, validated: median <= 0.5 s', b.median <= 0.5, s(b.median));
const floor = stats('b-npm-floor');
goal('npm run synth >= 20x faster than the template\'s ts-node run', a.median / b.median >= 20,
  `${(a.median / b.median).toFixed(1)}x (npm's own share alone allows at most ${(a.median / floor.median).toFixed(1)}x)`);
const c = stats('c-cdk8s-synth');
const version = stats('c-cdk8s-version');
goal('npx cdk8s synth <= the CLI\'s start-up + npm run synth', c.median <= version.median + b.median,
  `${s(c.median)} against ${s(version.median)} + ${s(b.median)} = ${s(version.median + b.median)}`);
if (many.has(1000)) goal('1000 services validated <= 3 s', many.get(1000).full.median <= 3, s(many.get(1000).full.median));
if (many.has(10000)) {
  const big = many.get(10000);
  goal('10 000 services validated <= 15 s', big.full.median <= 15, s(big.full.median));
  goal('10 000 services: peak memory <= 1 GB', big.mem !== undefined && big.mem * 1024 * 1024 <= 1e9, big.mem === undefined ? 'not measured' : `${big.mem.toFixed(0)} MiB`);
  if (many.has(1000)) {
    const ratio = big.full.median / many.get(1000).full.median;
    goal('cost linear in services: 10 000 take <= 10x the time of 1000 (start-up included)', ratio <= 10, `${ratio.toFixed(1)}x`);
  }
}
if (watch.has('app')) goal('watch loop, the app: <= 100 ms from save to validated dist/', watch.get('app').total.median <= 100, `${watch.get('app').total.median} ms`);
const watchMany = [...watch.keys()].find((k) => k !== 'app');
if (watchMany) goal(`watch loop, ${watchMany}: <= 1 s`, watch.get(watchMany).total.median <= 1000, `${watch.get(watchMany).total.median} ms`);

console.log('\ngoals (this run\'s figures)');
for (const g of goals) console.log(`  ${g.met ? 'met    ' : 'NOT MET'}  ${g.text.padEnd(72)} ${g.figures}`);
console.log('');
