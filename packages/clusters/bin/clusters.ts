import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { checkClusterCharts } from '../lib/check-charts';
import { defineClusters } from '../lib/clusters-app';

// `cdk synth` / `cdk deploy` (cdk.json) run this: one stack per EKS cluster of config/targets.ts.
// The charts pass the app's checks first, as `npm run synth` checks them. cdk-nag's AwsSolutions
// pack runs on every synth; a finding that is not acknowledged with its reason
// (lib/nag-suppressions.ts, applied by each stack) is an error, and the synth fails.
async function main(): Promise<void> {
  await checkClusterCharts(process.env);
  const app = new App();
  defineClusters(app, process.env);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main().catch((e: Error) => {
  console.error(`clusters: ${e.message}`);
  process.exitCode = 1;
});
