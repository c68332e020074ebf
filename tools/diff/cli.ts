import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { OutputFolder } from 'k8s-checks';
import { selectTarget } from '../../lib/synth/synth-command';
import { synthTargets, targets } from '../../main';
import { compareTarget, hasChanges, renderMarkdown, renderText } from '../../lib/synth/manifest-diff';

const HELP = `Usage: npm run diff -- [--target NAME] [--base DIR] [--markdown]

Synthesizes the current code for one target into a temporary folder (dist/ is not touched) and
compares it, object by object (apiVersion, kind, namespace, name), with the last synthesized
output of that target in DIR (default dist): objects added, removed, and for the others the
fields that changed, with old and new values. No cluster is needed.

Options:
  --target NAME  the target to compare (default: the one DIR holds, else the first target)
  --base DIR     the output to compare with (default dist); missing: everything is added
  --markdown     Markdown tables for a pull request comment instead of terminal text
  -h, --help     this text

Exit codes: 0 no changes, 1 changes, 2 error (bad option, the code does not synthesize).
`;

async function run(argv: readonly string[]): Promise<number> {
  let tmp: string | undefined;
  try {
    const { values: opts } = parseArgs({
      args: [...argv],
      options: {
        target: { type: 'string' },
        base: { type: 'string', default: 'dist' },
        markdown: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (opts.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const base = opts.base!;
    const held = new OutputFolder(base).marker()?.target;
    const target = selectTarget(targets, opts.target ?? held);
    if (held !== undefined && held !== target.name) {
      throw new Error(`${base} holds target "${held}", not "${target.name}": run "npm run synth -- --target ${target.name}" first, or pass --base`);
    }
    if (!fs.existsSync(base)) {
      console.error(`diff: ${base} does not exist (run "npm run synth" to create it); everything counts as added`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mincloud-diff-'));
    const [next] = await synthTargets(tmp, { names: [target.name] });
    const diff = compareTarget(target.name, base, next.dir);
    const color = !opts.markdown && process.stdout.isTTY === true && !process.env.NO_COLOR;
    console.log(opts.markdown ? renderMarkdown([diff]) : renderText([diff], color));
    return hasChanges([diff]) ? 1 : 0;
  } catch (e) {
    console.error(`diff: ${(e as Error).message}`);
    return 2;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
