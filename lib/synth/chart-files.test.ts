import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { deploymentConfig } from '../../config/targets';
import { buildTarget } from '../../main';
import { apiImage, siteImage } from '../image-config';
import { resolveTargets } from '../deployment-config';
import { synthChartFiles } from './chart-files';
import { stringifyManifests } from './manifest-yaml';

/** What `app.synth()` writes, file by file. */
function cdk8sSynth(build: (app: App) => void): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-files-'));
  try {
    const app = new App({ outdir: dir });
    build(app);
    app.synth();
    return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf-8')]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What synthChartFiles returns, as file name -> YAML. */
function ours(build: (app: App) => void): Record<string, string> {
  const app = new App({ outdir: 'unused' });
  build(app);
  return Object.fromEntries(synthChartFiles(app).map((f) => [f.file, stringifyManifests(f.manifests)]));
}

const configMap = (scope: Chart, id: string) =>
  new ApiObject(scope, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data: { key: id } } as any);

describe('synthChartFiles gives the files app.synth() writes', () => {
  const env = { ...process.env, SITE_IMAGE: '', API_IMAGE: '' };
  const targets = resolveTargets(deploymentConfig);

  test.each(targets.map((t) => t.name))('target %s: same file names, same bytes', (name) => {
    const build = (app: App) => { buildTarget(app, targets.find((t) => t.name === name)!, { site: siteImage(env), api: apiImage(env) }); };
    expect(ours(build)).toEqual(cdk8sSynth(build));
  });

  test('several independent charts: one file each, by chart name', () => {
    const build = (app: App) => {
      configMap(new Chart(app, 'beta'), 'b');
      configMap(new Chart(app, 'alpha'), 'a');
    };
    expect(Object.keys(ours(build))).toEqual(['beta.k8s.yaml', 'alpha.k8s.yaml']);
    expect(ours(build)).toEqual(cdk8sSynth(build));
  });

  test('charts that depend on each other: numbered in dependency order, as cdk8s names them', () => {
    const build = (app: App) => {
      const web = new Chart(app, 'web');
      const base = new Chart(app, 'base');
      web.addDependency(base);
      configMap(web, 'w');
      configMap(base, 'b');
      configMap(new Chart(web, 'nested'), 'n'); // a chart inside a chart is a file of its own
    };
    const files = ours(build);
    expect(Object.keys(files)).toEqual([expect.stringMatching(/^0000-base\.k8s\.yaml$/), expect.stringMatching(/^0001-web-nested-[0-9a-f]{8}\.k8s\.yaml$/),
      expect.stringMatching(/^0002-web\.k8s\.yaml$/)]);
    expect(files).toEqual(cdk8sSynth(build));
  });

  test('objects within a chart come in dependency order', () => {
    const build = (app: App) => {
      const chart = new Chart(app, 'main');
      const late = configMap(chart, 'late');
      const early = configMap(chart, 'early');
      late.addDependency(early);
    };
    expect(ours(build)['main.k8s.yaml'].indexOf('name: early')).toBeLessThan(ours(build)['main.k8s.yaml'].indexOf('name: late'));
    expect(ours(build)).toEqual(cdk8sSynth(build));
  });

  test('construct validation errors are raised as cdk8s raises them', () => {
    const app = new App();
    const chart = new Chart(app, 'main');
    chart.node.addValidation({ validate: () => ['replicas must be positive'] });
    expect(() => synthChartFiles(app)).toThrow(/Validation failed with the following errors:\n {2}\[main\] replicas must be positive/);
  });

  test('another output layout is refused with what to change', () => {
    const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    expect(() => synthChartFiles(app)).toThrow('synthChartFiles writes one file per chart; create the App with yamlOutputType: YamlOutputType.FILE_PER_CHART (it has FILE_PER_RESOURCE)');
  });
});
