import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineClusters } from '../lib/clusters-app';

// `cdk synth` / `cdk deploy` (cdk.json) run this: one stack per EKS cluster of config/targets.ts.
// cdk-nag's AwsSolutions pack runs on every synth; a finding that is not suppressed with its
// reason (lib/nag-suppressions.ts, applied by each stack) is an error, and the synth fails.
const app = new App();
defineClusters(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
