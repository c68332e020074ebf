import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main as synth } from '../../main';
import { compareOutputs, hasChanges, renderMarkdown, renderText } from './compare';

const HELP = `Usage: npm run diff -- [--target NAME[,NAME]] [--base DIR] [--markdown]

Synthesizes the current code into a temporary folder (dist/ is not touched) and shows what
changed against the last synthesized output in DIR (default dist): objects added, removed,
and the fields changed in the others. No cluster is needed.

Exit codes: 0 no changes, 1 changes, 2 error (e.g. the code does not synthesize).
`;

function run(argv: string[]): number {
  let base = 'dist';
  let markdown = false;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stdout.write(HELP); return 0; }
    if (a === '--markdown') markdown = true;
    else if (a === '--base') base = argv[++i];
    else if (a === '--target') target = argv[++i];
    else { console.error(`diff: unknown option "${a}" (see --help)`); return 2; }
  }
  const next = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'));
  try {
    const out = path.join(next, 'out');
    synth([...(target ? ['--target', target] : []), '--outdir', out], process.env, () => undefined);
    if (!fs.existsSync(base)) console.error(`diff: ${base} does not exist yet; everything counts as added (run "npm run synth" to create it)`);
    const targets = fs.readdirSync(out).sort();
    const diffs = compareOutputs(base, out, target ? targets : undefined);
    console.log(markdown ? renderMarkdown(diffs) : renderText(diffs, process.stdout.isTTY === true));
    return hasChanges(diffs) ? 1 : 0;
  } catch (e) {
    console.error(`diff: ${(e as Error).message}`);
    return 2;
  } finally {
    fs.rmSync(next, { recursive: true, force: true });
  }
}

process.exitCode = run(process.argv.slice(2));
