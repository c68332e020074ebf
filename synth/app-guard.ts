// Loaded before the app (`node synth/compiled-entry.js --import ./synth/app-guard.ts main.ts`, in cdk8s.yaml and
// `npm run synth`), so that an app that cannot even be loaded — a syntax error, a missing
// module, a construct that throws at the top level — still ends well: the error is shown with
// the user's file and line first and without the runner's internals, and under `cdk8s synth`,
// which emptied the output folder before the app ran, with how to get the last good output.
import { describeError } from './describe-error';
import { failedUnderCli } from './last-good-hint';

process.on('uncaughtException', (err: Error) => {
  console.error(`synth failed: ${describeError(err)}`);
  const env = process.env;
  if (env.CDK8S_OUTDIR !== undefined && env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined) console.error(failedUnderCli(env.CDK8S_OUTDIR));
  process.exit(1);
});
