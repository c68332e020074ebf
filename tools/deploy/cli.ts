import { execFileSync } from 'child_process';
import * as path from 'path';
import { HELP, parseArgs, UsageError } from './args';
import { deploy, EXIT } from './deploy';

/** helm 4.1.4 and kubectl 1.27 from the npm packages the project installs (not whatever is on PATH). */
function binaries(): string {
  try {
    return execFileSync('bash', [path.join(__dirname, '..', 'k8s-binaries.sh')], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '').trim();
    throw new UsageError(`helm and kubectl are not available (${stderr || (e as Error).message}); run "npm ci", or pass --helm and --kubectl`);
  }
}

async function run(argv: string[]): Promise<number> {
  try {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const bin = opts.helm && opts.kubectl ? '' : binaries();
    return await deploy({ ...opts, helm: opts.helm || path.join(bin, 'helm'), kubectl: opts.kubectl || path.join(bin, 'kubectl') }, {
      log: (line) => console.log(line),
      error: (line) => console.error(line),
    });
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`deploy: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}

run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
