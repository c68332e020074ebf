// `npm run conformance -w k8s-checks [-- --verbose]`: the conformance run, printed.

import { parseArgs } from 'util';
import { ConformanceNotFound, locateConformance } from './locate';
import { formatConformance, runConformance } from './run-conformance';

export function main(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('conformance [--verbose]: runs the upstream cases of shared/conformance against the checks and prints the score per tool.\n');
    return 0;
  }
  let root: string;
  try {
    root = locateConformance();
  } catch (e) {
    if (!(e instanceof ConformanceNotFound)) throw e;
    process.stderr.write(`conformance: ${e.message}\n`);
    return 2;
  }
  const run = runConformance(root);
  process.stdout.write(`${formatConformance(run, values.verbose)}\n`);
  return run.outcomes.some((o) => o.status === 'fail') || run.unread.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
