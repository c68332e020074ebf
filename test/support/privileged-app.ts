import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Writes into `dir` an app that is main.ts with a privileged site container, what the policy
 * checks refuse, and returns its file: for the tests of what a refused synth leaves behind.
 */
export function writePrivilegedApp(dir: string): string {
  const file = path.join(dir, 'privileged-app.ts');
  fs.writeFileSync(file, `
import { JsonPatch } from 'cdk8s';
import { runSynthCommand } from ${JSON.stringify(path.join(ROOT, 'synth', 'synth-command'))};
import { buildTargetFromEnv, commandOptions } from ${JSON.stringify(path.join(ROOT, 'app'))};
import { WebService } from ${JSON.stringify(path.join(ROOT, 'lib', 'web-service'))};

void runSynthCommand(process.argv.slice(2), process.env, {
  ...commandOptions(process.env),
  build: (app, target) => {
    const chart = buildTargetFromEnv(app, target, process.env);
    (chart.node.findChild('nginx1') as WebService).deployment
      .addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/privileged', true));
  },
}).then((code) => { process.exitCode = code; });
`);
  return file;
}

/** The command of package.json's synth script, running `entry` instead of main.ts. */
export function synthScriptWith(entry: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')).scripts.synth as string).replace(/\bmain\.ts\b/, entry);
}
