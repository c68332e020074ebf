import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main as synth } from '../../main';
import { compareOutputs, hasChanges, renderMarkdown, renderText } from './compare';

const HELP = `Usage: npm run diff -- [--target NAME[,NAME]] [--base DIR] [--markdown]

Synthesizes the current code into a temporary folder (dist/ is not touched) and compares it,
object by object (apiVersion, kind, namespace, name), with the last synthesized output in DIR
(default dist): objects added, removed, and for the others the fields that changed, with old
and new values. No cluster is needed.

Options:
  --target NAME[,NAME]  only these targets (default: all)
  --base DIR            the output to compare with (default dist); missing: everything is added
  --markdown            Markdown tables for a pull request comment instead of terminal text
  -h, --help            this text

Exit codes: 0 no changes, 1 changes, 2 error (bad option, the code does not synthesize).
`;

function parse(argv: readonly string[]): { base: string; markdown: boolean; target?: string } | 'help' {
  const out: { base: string; markdown: boolean; target?: string } = { base: 'dist', markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('-'))) throw new Error(`${flag} needs a value (see --help)`);
      return v;
    };
    if (flag === '-h' || flag === '--help') return 'help';
    if (flag === '--markdown') out.markdown = true;
    else if (flag === '--base') out.base = value();
    else if (flag === '--target') out.target = value();
    else throw new Error(`unknown option "${argv[i]}" (see --help)`);
  }
  return out;
}

function run(argv: readonly string[]): number {
  let tmp: string | undefined;
  try {
    const opts = parse(argv);
    if (opts === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mincloud-diff-'));
    const next = path.join(tmp, 'out');
    synth([...(opts.target ? ['--target', opts.target] : []), '--outdir', next], process.env, () => undefined);
    if (!fs.existsSync(opts.base)) {
      console.error(`diff: ${opts.base} does not exist (run "npm run synth" to create it); everything counts as added`);
    }
    const targets = fs.readdirSync(next).sort();
    const diffs = compareOutputs(opts.base, next, opts.target ? targets : undefined);
    const color = !opts.markdown && process.stdout.isTTY === true && !process.env.NO_COLOR;
    console.log(opts.markdown ? renderMarkdown(diffs) : renderText(diffs, color));
    return hasChanges(diffs) ? 1 : 0;
  } catch (e) {
    console.error(`diff: ${(e as Error).message}`);
    return 2;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = run(process.argv.slice(2));
