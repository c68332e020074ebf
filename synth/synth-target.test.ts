import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { objectKey } from 'k8s-checks';
import { constructMetadata } from './construct-metadata';
import { OutputValidation, OutputValidationError, synthTarget } from './synth-target';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = fs.readFileSync(path.join(dir, f), 'utf-8');
  return out;
}

/** A chart `name` with a Deployment and a Service that share the name `web`. */
function webChart(app: App, name: string, namespace = 'ns'): Chart {
  const chart = new Chart(app, name, { namespace });
  new ApiObject(chart, 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
  new ApiObject(chart, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });
  return chart;
}

describe('synthTarget', () => {
  let work: string;
  let outdir: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-target-'));
    outdir = path.join(work, 'dist');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes exactly what cdk8s app.synth() writes, plus the marker', async () => {
    const build = (app: App) => {
      const a = webChart(app, 'first');
      const b = webChart(app, 'second', 'other');
      b.addDependency(a); // cdk8s then numbers the files: 0000-first, 0001-second
    };
    await synthTarget({ outdir, target: { name: 't' }, build });
    const reference = path.join(work, 'reference');
    const app = new App({ outdir: reference });
    build(app);
    app.synth();
    const { ['.synth-output']: marker, ...files } = tree(outdir);
    expect(files).toEqual(tree(reference));
    expect(Object.keys(files)).toEqual(['0000-first.k8s.yaml', '0001-second.k8s.yaml']);
    expect(JSON.parse(marker).files).toEqual(['0000-first.k8s.yaml', '0001-second.k8s.yaml']);
  });

  test('the validation sees every object with its final path and construct paths; a failure writes nothing', async () => {
    let seen: Parameters<OutputValidation> | undefined;
    const refuse: OutputValidation = async (...args) => {
      seen = args;
      return { passed: false, report: 'Deployment web: privileged', summary: [] };
    };
    await expect(synthTarget({ outdir, target: { name: 't' }, build: (app) => webChart(app, 'main'), validate: refuse })).rejects.toThrow(OutputValidationError);
    expect(fs.existsSync(outdir)).toBe(false);
    const [files, paths] = seen!;
    expect(files.map((f) => [f.path, f.objects.map((o) => o.kind)])).toEqual([[path.join(outdir, 'main.k8s.yaml'), ['Deployment', 'Service']]]);
    expect(paths[objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' } })]).toEqual({ path: 'main/Deployment' });
    expect(paths[objectKey({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' } })]).toEqual({ path: 'main/Service' });
  });

  test('the validation also sees a manifest file the app wrote itself, read back', async () => {
    let seen: Parameters<OutputValidation> | undefined;
    const look: OutputValidation = async (...args) => {
      seen = args;
      return { passed: true, report: '', summary: [] };
    };
    const build = (app: App) => {
      webChart(app, 'main');
      fs.writeFileSync(path.join(app.outdir, 'extra.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n');
    };
    await synthTarget({ outdir, target: { name: 't' }, build, validate: look });
    expect(seen![0].map((f) => [path.basename(f.path), f.objects.map((o) => o.kind)])).toEqual([['extra.yaml', ['Namespace']], ['main.k8s.yaml', ['Deployment', 'Service']]]);
  });

  test('for the cdk8s CLI: construct-metadata.json in the output, listed in the marker for the plugins to remove', async () => {
    await synthTarget({ outdir, target: { name: 't' }, build: (app) => webChart(app, 'main', 'changed'), forCdk8sCli: true });
    const metadata = JSON.parse(fs.readFileSync(path.join(outdir, 'construct-metadata.json'), 'utf-8'));
    expect(metadata.version).toBe('1.0.0');
    expect(metadata.resources['Deployment/changed/web']).toEqual({ path: 'main/Deployment' });
    expect(JSON.parse(fs.readFileSync(path.join(outdir, '.synth-output'), 'utf-8')).files).toEqual(['construct-metadata.json', 'main.k8s.yaml']);
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });
});

describe('constructMetadata', () => {
  test('every object under Kind/namespace/name; plain names only where they are unique', async () => {
    const app = Testing.app();
    webChart(app, 'main');
    const chart = new Chart(app, 'cluster');
    new ApiObject(chart, 'PriorityClass', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' } });
    expect(constructMetadata(app)).toEqual({
      version: '1.0.0',
      resources: {
        'Deployment/ns/web': { path: 'main/Deployment' },
        'Service/ns/web': { path: 'main/Service' },
        'PriorityClass/high': { path: 'cluster/PriorityClass' },
        'high': { path: 'cluster/PriorityClass' },
      },
    });
  });
});
