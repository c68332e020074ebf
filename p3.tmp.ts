const T0 = performance.now();
import { App, YamlOutputType } from 'cdk8s';
const T1 = performance.now();
import { buildTarget } from './main';
import { deploymentConfig } from './config/targets';
import { apiImage, siteImage } from './lib/image-config';
import { resolveTargets } from './lib/targets';
import { synthChartFiles } from './lib/synth/chart-files';
import { stringifyManifests } from './lib/synth/manifest-yaml';
import { schemaCheck, policyCheck } from './lib/synth/output-checks';
const T2 = performance.now();
const targets = resolveTargets(deploymentConfig);
const images = { site: siteImage(process.env), api: apiImage(process.env) };
let tb = 0, tj = 0, ty = 0, ts = 0, tp = 0;
for (const t of targets) {
  let a = performance.now();
  const app = new App({ outdir: '/tmp/x', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  buildTarget(app, t, images);
  tb += performance.now() - a; a = performance.now();
  const files = synthChartFiles(app);
  tj += performance.now() - a; a = performance.now();
  files.forEach((f) => stringifyManifests(f.manifests));
  ty += performance.now() - a; a = performance.now();
  schemaCheck({ dir: '/tmp/x', files }, t.name);
  ts += performance.now() - a; a = performance.now();
  policyCheck({ dir: '/tmp/x', files }, t.name);
  tp += performance.now() - a;
}
console.log(JSON.stringify({ processToHere: T0.toFixed(0), cdk8s: (T1 - T0).toFixed(0), modules: (T2 - T1).toFixed(0), build: tb.toFixed(0), toJson: tj.toFixed(0), yaml: ty.toFixed(0), schema: ts.toFixed(0), policy: tp.toFixed(0), total: performance.now().toFixed(0) }));
