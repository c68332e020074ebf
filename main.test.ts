import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { checkPolicies, Manifest, SchemaValidator } from 'k8s-checks';
import { deploymentConfig } from './config/targets';
import { apiImage, siteImage } from './lib/image-config';
import { readManifestFolder } from './lib/synth/manifest-files';
import { resolveTargets } from './lib/deployment-config';
import { buildTarget, main } from './main';
import { only, Obj } from './test/support/synth';

const targets = resolveTargets(deploymentConfig);
const defaultEnv = { ...process.env, SITE_IMAGE: '', API_IMAGE: '' };

function synthTarget(name: string): Obj[] {
  const app = Testing.app();
  const chart = buildTarget(app, targets.find((t) => t.name === name)!, { site: siteImage(defaultEnv), api: apiImage(defaultEnv) });
  return Testing.synth(chart) as Obj[];
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const target of fs.readdirSync(dir)) {
    for (const file of fs.readdirSync(path.join(dir, target))) {
      out[`${target}/${file}`] = fs.readFileSync(path.join(dir, target, file), 'utf-8');
    }
  }
  return out;
}

describe('the app', () => {
  test.each(targets.map((t) => t.name))('target %s matches its snapshot', (name) => {
    expect(synthTarget(name)).toMatchSnapshot();
  });

  test('dev is the seed: Deployment nginx1 and a NodePort Service nginx1 on port 80, serving the site image', () => {
    const objects = synthTarget('dev');
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const service = only(objects, 'Service');
    expect(deployment.metadata.name).toBe('nginx1');
    expect(service.metadata.name).toBe('nginx1');
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports[0].port).toBe(80);
    const env = fs.readFileSync(path.join(__dirname, 'docker', 'image.env'), 'utf-8');
    const [, repo] = /IMAGE_REPOSITORY=(.*)/.exec(env)!;
    const [, tag] = /IMAGE_TAG=(.*)/.exec(env)!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${repo.trim()}:${tag.trim()}`);
  });

  test('every target lives in its own namespace, created by the target itself', () => {
    for (const t of targets) {
      const objects = synthTarget(t.name);
      expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: t.namespace } });
      expect(objects[0].metadata.namespace).toBeUndefined();
      for (const o of objects.slice(1)) {
        expect(o.metadata.namespace).toBe(o.kind === 'PriorityClass' ? undefined : t.namespace);
      }
    }
  });

  test('every object carries the recommended labels', () => {
    for (const t of targets) {
      for (const o of synthTarget(t.name)) {
        expect(Object.keys(o.metadata.labels ?? {})).toEqual(expect.arrayContaining([
          'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version',
          'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by']));
      }
    }
  });
});

describe('npm run synth', () => {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'main-test-')); });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const quiet = () => jest.spyOn(console, 'log').mockImplementation(() => undefined);

  test('writes every target, every manifest passes the strict 1.27 schema', () => {
    quiet();
    const outdir = path.join(work, 'dist');
    main(['--outdir', outdir], defaultEnv);
    expect(fs.readdirSync(outdir).sort()).toEqual(targets.map((t) => t.name).sort());
    const validator = SchemaValidator.forKubernetes127({ crds: [path.join(__dirname, 'crds')] });
    for (const t of targets) {
      const folder = readManifestFolder(path.join(outdir, t.name));
      const manifests = folder.files.flatMap((f) => f.manifests);
      expect(manifests.length).toBeGreaterThanOrEqual(6);
      expect(validator.validate(manifests)).toEqual([]);
    }
  });

  test('every target has zero policy findings; its exemptions are the declared ones', () => {
    quiet();
    const outdir = path.join(work, 'policy');
    main(['--outdir', outdir], defaultEnv);
    for (const t of targets) {
      const manifests = readManifestFolder(path.join(outdir, t.name)).files.flatMap((f) => f.manifests) as unknown as Manifest[];
      const report = checkPolicies(manifests);
      expect(report.findings).toEqual([]);
      const nodePort = t.serviceType === 'NodePort';
      expect(report.exemptions.map((e) => `${e.tool} ${e.rule}`)).toEqual(expect.arrayContaining(nodePort ? ['kube-score service-type'] : []));
      for (const e of report.exemptions) expect(e.reason.length).toBeGreaterThan(20);
    }
  });

  test('the same input synthesizes byte-identical output', () => {
    quiet();
    main(['--outdir', path.join(work, 'one')], defaultEnv);
    main(['--outdir', path.join(work, 'two')], defaultEnv);
    expect(readTree(path.join(work, 'two'))).toEqual(readTree(path.join(work, 'one')));
  });

  test('--target synthesizes only the named targets', () => {
    quiet();
    main(['--target', 'dev', '--outdir', path.join(work, 'dev-only')], defaultEnv);
    expect(fs.readdirSync(path.join(work, 'dev-only'))).toEqual(['dev']);
  });

  test.each([
    ['an untagged image', { SITE_IMAGE: 'docker.io/mincloud1501/nginx' }, /environment variable SITE_IMAGE: invalid image .*no tag or digest/],
    ['a latest image', { SITE_IMAGE: 'nginx:latest' }, /environment variable SITE_IMAGE: invalid image tag "latest"/],
    ['an unknown target', { TARGET: 'qa' }, /invalid target "qa": use one of "dev", "staging", "prod"/],
  ])('%s fails and leaves the previous output as it was', (_name, env, message) => {
    quiet();
    const outdir = path.join(work, 'kept');
    main(['--outdir', outdir], defaultEnv);
    const before = readTree(outdir);
    expect(() => main(['--outdir', outdir], { ...defaultEnv, ...env })).toThrow(message);
    expect(readTree(outdir)).toEqual(before);
  });

  test('unknown arguments are refused', () => {
    expect(() => main(['--targt', 'dev'], defaultEnv)).toThrow('unknown argument "--targt"; use --target NAME or --outdir DIR (see --help)');
  });
});
