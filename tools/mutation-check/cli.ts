import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadProtections, Protection, ProtectionListError } from './protections';
import { renderSecurityDoc } from './render';
import { checkProtections, Verdict } from './runner';

const HELP = `Usage: npm run mutation-check -- [--jobs N] [--only ID[,ID]] [--no-baseline] [--timeout S]
       npm run mutation-check -- --list | --render FILE

Proves that every protection of security/protections/*.yaml is tested: for each entry it
removes the protection (the entry's "remove" text, replaced by "replace" if given) in a
throwaway copy of the project (the work tree as it is, node_modules linked), runs the entry's
jest test there, and expects it to fail. An entry whose test still passes "survives": nothing
would notice the protection's removal. The work tree itself is never changed.

First each test file is run once without any mutation (its named tests only): a test that
fails anyway proves nothing, and stops the check. Independent mutations run in parallel, each
worker in its own copy. Prints each entry's verdict and time, then a summary line.

Options:
  --jobs N         workers, each with its own copy of the project (default 2)
  --only ID[,ID]   only these entries
  --no-baseline    skip the runs without mutation
  --timeout S      seconds one jest run may take before it counts as failed (default 300)
  --list           print the entries (id, file, test) and exit
  --render FILE    write the list as a markdown table (docs/security.md) and exit
  --root DIR       the project (default: the one this command belongs to); a git work tree
  -h, --help       this text

Exit codes: 0 every protection's test failed without it; 1 a protection survived, a test
selected nothing, or a test failed without any mutation; 2 the list is invalid (each problem
is named: file, entry, field) or a bad option.
`;

const PROJECT = path.resolve(__dirname, '..', '..');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const selection = (test: string, name?: string) => `${test}${name ? ` -t ${JSON.stringify(name)}` : ''}`;

async function run(argv: string[]): Promise<number> {
  let opts;
  try {
    ({ values: opts } = parseArgs({
      args: argv,
      options: {
        'jobs': { type: 'string', default: '2' },
        'only': { type: 'string' },
        'no-baseline': { type: 'boolean' },
        'timeout': { type: 'string', default: '300' },
        'list': { type: 'boolean' },
        'render': { type: 'string' },
        'root': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`mutation-check: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (opts.help) { process.stdout.write(HELP); return 0; }
  const jobs = Number(opts.jobs);
  const timeout = Number(opts.timeout);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) {
    console.error(`mutation-check: --jobs "${opts.jobs}" is not allowed; use a whole number from 1 to 16`);
    return 2;
  }
  if (!Number.isInteger(timeout) || timeout < 10) {
    console.error(`mutation-check: --timeout "${opts.timeout}" is not allowed; use whole seconds, at least 10`);
    return 2;
  }

  const ROOT = path.resolve(opts.root ?? PROJECT);
  if (!fs.existsSync(path.join(ROOT, '.git'))) {
    console.error(`mutation-check: --root "${opts.root}" is not a git work tree (its files are copied with git ls-files)`);
    return 2;
  }
  let protections: Protection[];
  try {
    protections = loadProtections(ROOT);
  } catch (e) {
    if (e instanceof ProtectionListError) {
      console.error(`mutation-check: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (opts.render !== undefined) {
    fs.writeFileSync(path.resolve(opts.render), renderSecurityDoc(protections));
    console.log(`mutation-check: wrote ${opts.render} (${protections.length} protections)`);
    return 0;
  }
  if (opts.only !== undefined) {
    const ids = opts.only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = ids.filter((id) => !protections.some((p) => p.id === id));
    if (unknown.length > 0) {
      console.error(`mutation-check: --only names no entry ${unknown.map((u) => `"${u}"`).join(', ')}; see --list`);
      return 2;
    }
    protections = protections.filter((p) => ids.includes(p.id));
  }
  if (opts.list) {
    for (const p of protections) console.log(`${p.id.padEnd(36)} ${p.file.padEnd(36)} ${selection(p.test, p.name)}`);
    return 0;
  }

  const started = Date.now();
  console.log(`mutation-check: ${protections.length} protections from ${[...new Set(protections.map((p) => p.source))].join(', ')}; ${jobs} jobs`);
  const { baseline, verdicts } = await checkProtections(ROOT, protections, {
    jobs,
    timeoutMs: timeout * 1000,
    baseline: !opts['no-baseline'],
    onBaseline: (b) => console.log(`baseline ${b.run.outcome === 'passed' ? 'passed' : b.run.outcome.toUpperCase()}  ${seconds(b.run.ms).padStart(7)}  ${selection(b.test, b.name)}`),
    onVerdict: (v) => console.log(`${label(v)}  ${seconds(v.run.ms).padStart(7)}  ${v.protection.id}  (${selection(v.protection.test, v.protection.name)})`),
  });
  const brokenBaseline = baseline.filter((b) => b.run.outcome !== 'passed');
  for (const b of brokenBaseline) {
    console.log(`\nmutation-check: ${selection(b.test, b.name)} fails without any mutation; fix it first:\n${b.run.tail}`);
  }
  const bad = verdicts.filter((v) => v.verdict !== 'killed');
  for (const v of bad) {
    console.log(`\nmutation-check: ${v.protection.id} ${v.verdict}: ${selection(v.protection.test, v.protection.name)} ${v.verdict === 'survived'
      ? `still passes without "${v.protection.remove.split('\n')[0]}" in ${v.protection.file}; make the test fail without it`
      : 'selects no test; correct the entry\'s name'}`);
  }
  const killed = verdicts.filter((v) => v.verdict === 'killed').length;
  console.log(`mutation-check: ${protections.length} protections, ${killed} killed, ${verdicts.length - killed} survived or untested${brokenBaseline.length ? `, ${brokenBaseline.length} tests failing without mutation` : ''} (${seconds(Date.now() - started)}, ${jobs} jobs)`);
  return brokenBaseline.length === 0 && bad.length === 0 && killed === protections.length ? 0 : 1;
}

function label(v: Verdict): string {
  return ({ 'killed': 'killed  ', 'survived': 'SURVIVED', 'no test selected': 'NO TEST ' } as const)[v.verdict];
}

// Output piped into a command that stops reading (| head) ends the listing quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });

run(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  console.error(`mutation-check: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
