// The app. `npx cdk8s synth` (cdk8s.yaml) and `npm run synth` (package.json) run this file: it
// builds the chart of one target of config/targets.ts (what each target runs:
// app/build-target.ts) in a cdk8s App, validates the manifests and writes them to dist/.
// `npm run synth -- --help` lists the options (--target, --cluster, --outdir, --watch) and the
// exit codes. The tools reach the same app through app/, never through this file.
import { synth } from './app/command';

if (require.main === module) void synth(process.argv.slice(2), process.env).then((code) => { process.exitCode = code; });
