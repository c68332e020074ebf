import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { policyCheck, schemaCheck } from './output-checks';
import { OutputCheckError, synthesize } from './synthesize';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf-8');
    }
  };
  walk(dir);
  return out;
}

function configMap(app: App, name: string, extra: Record<string, unknown> = {}): void {
  const chart = new Chart(app, 'main');
  new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...extra } as any);
}

describe('synthesize', () => {
  let work: string;
  let outdir: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
    outdir = path.join(work, 'dist');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const targets = [{ name: 'a' }, { name: 'b' }];

  test('writes one folder per target and reports what was checked', () => {
    const results = synthesize({ outdir, targets, build: (app, t) => configMap(app, `cm-${t.name}`), checks: [schemaCheck] });
    expect(Object.keys(tree(outdir)).sort()).toEqual(['a/main.k8s.yaml', 'b/main.k8s.yaml']);
    expect(results.map((r) => [r.target, r.objects, r.problems])).toEqual([['a', 1, []], ['b', 1, []]]);
    expect(fs.readdirSync(work)).toEqual(['dist']); // no staging folder left behind
  });

  test('replaces the previous output completely, stale files included', () => {
    fs.mkdirSync(path.join(outdir, 'old-target'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'old-target', 'stale.k8s.yaml'), 'stale');
    synthesize({ outdir, targets, build: (app, t) => configMap(app, `cm-${t.name}`), checks: [schemaCheck] });
    expect(Object.keys(tree(outdir)).sort()).toEqual(['a/main.k8s.yaml', 'b/main.k8s.yaml']);
  });

  test('an invalid manifest fails the synth and leaves the previous output byte for byte', () => {
    synthesize({ outdir, targets, build: (app, t) => configMap(app, `cm-${t.name}`), checks: [schemaCheck] });
    const before = tree(outdir);
    let error: unknown;
    try {
      synthesize({ outdir, targets, build: (app, t) => configMap(app, `cm-${t.name}`, t.name === 'b' ? { dta: {} } : {}), checks: [schemaCheck] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputCheckError);
    expect((error as Error).message).toMatch(/target b:\n {2}- main\.k8s\.yaml: ConfigMap\/cm-b: \/: unknown field "dta"/);
    expect((error as Error).message).toMatch(/the previous output was left unchanged/);
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });

  test('a policy violation fails the synth with object, rule and fix', () => {
    const build = (app: App) => {
      const chart = new Chart(app, 'main');
      new ApiObject(chart, 'pod', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root-pod' },
        spec: { containers: [{ name: 'c', image: 'nginx:1.25', securityContext: { privileged: true } }] },
      } as any);
    };
    expect(() => synthesize({ outdir, targets: [{ name: 'a' }], build, checks: [schemaCheck, policyCheck] }))
      .toThrow(/Pod\/default\/root-pod: pod-security privileged at .*\n +fix: /);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('an error while building leaves the previous output and no staging folder', () => {
    synthesize({ outdir, targets, build: (app, t) => configMap(app, `cm-${t.name}`), checks: [schemaCheck] });
    const before = tree(outdir);
    expect(() => synthesize({ outdir, targets, build: () => { throw new Error('bad props'); }, checks: [schemaCheck] })).toThrow('bad props');
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });
});
