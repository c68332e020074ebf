import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { checkPolicies, KubeObject, readManifestObjects, SchemaValidator } from 'k8s-checks';
import { deploymentConfig } from './config/targets';
import { apiImage, siteImage } from './config/image-config';
import { resolveTargets } from './config/deployment-config';
import { buildTarget, synth, synthTargets } from './app';
import { Obj } from './test/support/synth';

const targets = resolveTargets(deploymentConfig);
const defaultEnv = { ...process.env, SITE_IMAGE: '', API_IMAGE: '' };

function synthTarget(name: string): Obj[] {
  const app = Testing.app();
  const chart = buildTarget(app, targets.find((t) => t.name === name)!, { site: siteImage(defaultEnv), api: apiImage(defaultEnv) });
  return Testing.synth(chart) as Obj[];
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(dir)) out[file] = fs.readFileSync(path.join(dir, file), 'utf-8');
  return out;
}

describe('the app', () => {
  test.each(targets.map((t) => t.name))('target %s matches its snapshot', (name) => {
    expect(synthTarget(name)).toMatchSnapshot();
  });

  test('dev is the seed: Deployment nginx1 and a NodePort Service nginx1 on port 80, serving the site image', () => {
    const objects = synthTarget('dev');
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'nginx1')!;
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'nginx1')!;
    expect(deployment).toBeDefined();
    expect(service).toBeDefined();
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports[0].port).toBe(80);
    const env = fs.readFileSync(path.join(__dirname, 'docker', 'image.env'), 'utf-8');
    const [, repo] = /IMAGE_REPOSITORY=(.*)/.exec(env)!;
    const [, tag] = /IMAGE_TAG=(.*)/.exec(env)!;
    // The tag, or the digest push.sh recorded for it.
    const pushed = /^PUSHED_IMAGE=(.*)$/m.exec(env)?.[1];
    expect(deployment.spec.template.spec.containers[0].image).toBe(pushed ?? `${repo.trim()}:${tag.trim()}`);
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

/** Whether a label selector (matchLabels) selects pods with these labels. */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Each workload's pod labels and its first container's image, Deployments and Knative Services alike. */
function workloads(objects: Obj[]) {
  return objects.filter((o) => o.kind === 'Deployment' || (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1')).map((o) => ({
    object: o,
    labels: { ...o.metadata.labels, ...o.spec.template.metadata?.labels } as Record<string, string>,
    image: o.spec.template.spec.containers[0].image as string,
    port: o.spec.template.spec.containers[0].ports?.[0]?.containerPort as number | undefined,
  }));
}

// The /api limits live in the site's nginx (its /api location). They hold only when nothing
// reaches the API another way: checked in every target of config/targets.ts, with the site and
// the API found by the images they run, so a new target or service needs no change here.
describe.each(targets.map((t) => t.name))('target %s: the site\'s nginx is the one way in', (name) => {
  const objects = synthTarget(name);
  const site = workloads(objects).filter((w) => w.image === siteImage(defaultEnv).toString());
  const api = workloads(objects).filter((w) => w.image === apiImage(defaultEnv).toString());
  const core = (kind: string) => objects.filter((o) => o.kind === kind && !o.apiVersion.startsWith('serving.knative.dev/'));
  /** The site's Services: those selecting the site's pods. */
  const siteServices = core('Service').filter((s) => site.some((w) => selects(s.spec.selector, w.labels))).map((s) => s.metadata.name);

  test('the site\'s CPU limit is at most one core per nginx worker of docker/nginx.conf', () => {
    const workers = Number(/^worker_processes (\d+);/m.exec(fs.readFileSync(path.join(__dirname, 'docker', 'nginx.conf'), 'utf-8'))![1]);
    for (const w of site) {
      const limit = String(w.object.spec.template.spec.containers[0].resources.limits.cpu);
      const cores = limit.endsWith('m') ? Number(limit.slice(0, -1)) / 1000 : Number(limit);
      expect(cores).toBeLessThanOrEqual(workers);
    }
  });

  test('the site runs, behind a Service', () => {
    expect(site.length).toBeGreaterThan(0);
    for (const w of site) expect(core('Service').some((s) => selects(s.spec.selector, w.labels))).toBe(true);
  });

  test('every Ingress and IngressRoute sends every path to the site, /api included', () => {
    const backends = [
      ...objects.filter((o) => o.kind === 'Ingress').flatMap((i) => i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name))),
      ...objects.filter((o) => o.kind === 'IngressRoute').flatMap((r) => r.spec.routes.flatMap((route: any) => route.services
        .filter((svc: any) => svc.kind !== 'TraefikService' || svc.name !== 'noop@internal') // the HTTPS redirect answers itself
        .map((svc: any) => svc.name))),
    ];
    for (const backend of backends) expect(siteServices).toContain(backend);
  });

  test('only the site\'s Services take traffic from outside the cluster, and they keep the client\'s address', () => {
    for (const svc of core('Service').filter((s) => ['NodePort', 'LoadBalancer'].includes(s.spec.type))) {
      expect(siteServices).toContain(svc.metadata.name);
      expect(svc.spec.externalTrafficPolicy).toBe('Local');
    }
  });

  const target = targets.find((t) => t.name === name)!;
  if (!target.api) return;

  test('the API runs and is reached through the site\'s /api location', () => {
    expect(api).toHaveLength(1);
    const mounted = site.flatMap((w) => w.object.spec.template.spec.volumes.map((v: any) => v.configMap?.name).filter(Boolean));
    const proxies = core('ConfigMap').filter((c) => mounted.includes(c.metadata.name) && Object.values(c.data ?? {}).some((text: any) => /^location \/api\/ \{$/m.test(text)));
    expect(proxies).toHaveLength(1);
  });

  test('the API admits no one but the site\'s pods on its port (never the ingress controller)', () => {
    const [w] = api;
    if (w.object.apiVersion === 'serving.knative.dev/v1') {
      // A Knative Service is reached through Knative's gateway, which must keep it in the cluster.
      expect(w.object.metadata.labels?.['networking.knative.dev/visibility']).toBe('cluster-local');
      return;
    }
    const policies = core('NetworkPolicy').filter((p) => selects(p.spec.podSelector.matchLabels, w.labels));
    expect(policies).toHaveLength(1);
    const onApiPort = policies[0].spec.ingress.filter((rule: any) => !rule.ports || rule.ports.some((p: any) => p.port === w.port));
    expect(onApiPort.length).toBeGreaterThan(0);
    for (const peer of onApiPort.flatMap((rule: any) => rule.from ?? [{}])) {
      expect(peer.namespaceSelector).toBeUndefined();
      expect(peer.ipBlock).toBeUndefined();
      expect(site.some((s) => selects(peer.podSelector?.matchLabels, s.labels))).toBe(true);
    }
  });
});

describe('the preview target: the API as a Knative Service', () => {
  const objects = synthTarget('preview');
  const knative = objects.filter((o) => o.apiVersion === 'serving.knative.dev/v1');
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name && o.apiVersion !== 'serving.knative.dev/v1')!;

  test('the API is a Knative Service, not a Deployment; the site is dev\'s, on a NodePort', () => {
    expect(knative.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/api']);
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments).toContain('nginx1');
    expect(deployments).not.toContain('api');
    expect(named('Service', 'nginx1').spec.type).toBe('NodePort');
    expect(objects.map((o) => o.metadata.namespace ?? '')).toEqual(objects.map((o) => (['Namespace', 'PriorityClass'].includes(o.kind) ? '' : 'mincloud-preview')));
    const api = knative[0];
    expect(api.metadata.labels!['networking.knative.dev/visibility']).toBe('cluster-local');
    expect(api.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    const c = api.spec.template.spec.containers[0];
    expect(c.image).toBe(apiImage(defaultEnv).toString());
    expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/api/readyz', '/api/healthz']);
  });

  test('every object is schema-valid, the Knative Service against its CRD', () => {
    expect(SchemaValidator.forKubernetes127({ crds: [path.join(__dirname, 'crds')] }).validate(objects)).toEqual([]);
  });

  test('the site proxies /api to the API\'s cluster-local address, sending that host name, and may reach Knative\'s gateway', () => {
    const proxy = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nginx1-api-proxy-'))!.data['api-proxy.conf'];
    expect(proxy).toContain('proxy_pass http://api.mincloud-preview.svc.cluster.local;');
    expect(proxy).toContain('proxy_set_header Host $proxy_host;');
    const egress = named('NetworkPolicy', 'nginx1').spec.egress;
    expect(egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kourier-system' } }, podSelector: { matchLabels: { app: '3scale-kourier-gateway' } } }],
      ports: [{ protocol: 'TCP', port: 8081 }],
    });
    // The API's pods admit Knative's gateway and activator, not the site's pods directly.
    const ingress = named('NetworkPolicy', 'api').spec.ingress;
    expect(ingress.map((r: any) => r.ports[0].port)).toEqual([8012, 9090]);
  });

  test('zero policy findings; the exemptions are the NodePort\'s and the two Knative\'s default flags need', () => {
    const report = checkPolicies(objects as unknown as KubeObject[]);
    expect(report.findings).toEqual([]);
    expect(report.exemptions.map((e) => `${e.tool} ${e.rule} ${e.object}`).sort()).toEqual([
      'kube-score service-type Service/mincloud-preview/nginx1',
      'polaris priorityClassNotSet Service.serving.knative.dev/mincloud-preview/api',
      'polaris topologySpreadConstraint Service.serving.knative.dev/mincloud-preview/api',
    ]);
  });
});

describe('npm run synth', () => {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'main-test-')); });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Runs the command the way `npm run synth` does; returns its exit code and what it printed. */
  async function run(args: string[], env: NodeJS.ProcessEnv = defaultEnv): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await synth(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('writes the first target, dev, as manifest files directly in the output folder', async () => {
    const outdir = path.join(work, 'dist');
    const r = await run(['--outdir', outdir]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(fs.readdirSync(outdir).sort()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(r.out).toContain(`${outdir}/: target dev, ${synthTarget('dev').length} objects in dev.k8s.yaml`);
    expect(r.out).toContain('apply it with: kubectl --context kubernetes-admin@kubernetes apply -f');
    const manifests = readManifestObjects(outdir);
    expect(manifests.map((m) => `${m.kind}/${m.metadata!.name}`)).toEqual(expect.arrayContaining(['Deployment/nginx1', 'Service/nginx1']));
    expect(SchemaValidator.forKubernetes127().validate(manifests)).toEqual([]);
  });

  test.each(targets.map((t) => t.name))('--target %s (or the same in $TARGET) writes that target alone', async (name) => {
    const byFlag = path.join(work, `flag-${name}`);
    const byEnv = path.join(work, `env-${name}`);
    expect((await run(['--target', name, '--outdir', byFlag])).code).toBe(0);
    expect((await run(['--outdir', byEnv], { ...defaultEnv, TARGET: name })).code).toBe(0);
    expect(fs.readdirSync(byFlag).sort()).toEqual(['.synth-output', `${name}.k8s.yaml`]);
    expect(readTree(byEnv)).toEqual(readTree(byFlag));
  });

  test('another target in another folder leaves the first one alone', async () => {
    const dev = path.join(work, 'side-dev');
    const prod = path.join(work, 'side-prod');
    await run(['--outdir', dev]);
    const before = readTree(dev);
    expect((await run(['--target', 'prod', '--outdir', prod])).code).toBe(0);
    expect(readTree(dev)).toEqual(before);
    expect(fs.readdirSync(prod).sort()).toEqual(['.synth-output', 'prod.k8s.yaml']);
  });

  test('a target on several clusters: --cluster (or $TARGET_CLUSTER) picks the cluster, default its first; the marker and the apply hint name it', async () => {
    const first = path.join(work, 'prod-first');
    const us = path.join(work, 'prod-us');
    const r = await run(['--target', 'prod', '--outdir', first]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${first}/: target prod on cluster prod-eu (the first of prod-eu, prod-us; --cluster NAME for another), ${synthTarget('prod').length} objects in prod.k8s.yaml`);
    expect(r.out).toContain(`apply it with: kubectl --context prod-eu apply -f ${first}`);
    expect(JSON.parse(readTree(first)['.synth-output'])).toMatchObject({ target: 'prod', cluster: 'prod-eu' });
    const u = await run(['--target', 'prod', '--cluster', 'prod-us', '--outdir', us]);
    expect(u.code).toBe(0);
    expect(u.out).toContain('target prod on cluster prod-us (number 2 of prod-eu, prod-us; --cluster NAME for another)');
    expect(u.out).toContain(`apply it with: kubectl --context prod-us apply -f ${us}`);
    expect(readTree(us)['prod.k8s.yaml']).toContain('set_real_ip_from 10.4.0.0/14;');
    expect(readTree(first)['prod.k8s.yaml']).toContain('set_real_ip_from 10.0.0.0/14;');
    expect((await run(['--outdir', path.join(work, 'prod-us-env')], { ...defaultEnv, TARGET: 'prod', TARGET_CLUSTER: 'prod-us' })).code).toBe(0);
    expect(readTree(path.join(work, 'prod-us-env'))).toEqual(readTree(us));
    // A target on one cluster: naming it is fine and records nothing; another is refused.
    const dev = await run(['--target', 'dev', '--cluster', 'local', '--outdir', path.join(work, 'dev-local')]);
    expect(dev.code).toBe(0);
    expect(JSON.parse(readTree(path.join(work, 'dev-local'))['.synth-output'])).not.toHaveProperty('cluster');
  });

  test('every target has zero policy findings; its exemptions are the declared ones', async () => {
    for (const { target: t, dir } of await synthTargets(path.join(work, 'policy'), { env: defaultEnv, everyCluster: true })) {
      const manifests = readManifestObjects(dir);
      const report = checkPolicies(manifests);
      expect(report.findings).toEqual([]);
      const nodePort = t.serviceType === 'NodePort' || (!t.ingress && t.serviceType === undefined);
      expect(report.exemptions.map((e) => `${e.tool} ${e.rule}`)).toEqual(expect.arrayContaining(nodePort ? ['kube-score service-type'] : []));
      for (const e of report.exemptions) expect(e.reason.length).toBeGreaterThan(20);
    }
  });

  test('a target beyond the default one that deploys tags says so, with how to pin them; the default one does not', async () => {
    const site = siteImage(defaultEnv);
    const tagOnly = { ...defaultEnv, SITE_IMAGE: `${site.repository}:${site.tag}` };
    const prod = await run(['--target', 'prod', '--outdir', path.join(work, 'notes-prod')], tagOnly);
    expect(prod.code).toBe(0);
    expect(prod.out).toContain(`note: target prod deploys ${site.repository}:${site.tag} by tag, not by digest`);
    const dev = await run(['--outdir', path.join(work, 'notes-dev')], tagOnly);
    expect(dev.out).not.toContain('note:');
  });

  test('the same input synthesizes byte-identical output', async () => {
    await run(['--target', 'prod', '--outdir', path.join(work, 'one')]);
    await run(['--target', 'prod', '--outdir', path.join(work, 'two')]);
    expect(readTree(path.join(work, 'two'))).toEqual(readTree(path.join(work, 'one')));
  });

  test('the output folder and its files get ordinary permissions (umask), not private ones', async () => {
    const outdir = path.join(work, 'modes');
    await run(['--outdir', outdir]);
    const umask = process.umask();
    expect(fs.statSync(outdir).mode & 0o777).toBe(0o777 & ~umask);
    expect(fs.statSync(path.join(outdir, 'dev.k8s.yaml')).mode & 0o777).toBe(0o666 & ~umask);
  });

  test.each([
    ['an untagged image', [], { SITE_IMAGE: 'docker.io/mincloud1501/nginx' }, /environment variable SITE_IMAGE: invalid image .*no tag or digest/],
    ['a latest image', [], { SITE_IMAGE: 'nginx:latest' }, /environment variable SITE_IMAGE: invalid image tag "latest"/],
    ['an unknown target', [], { TARGET: 'qa' }, /there is no target "qa"; use one of "dev", "staging", "prod", "preview"/],
    ['an unknown option', ['--targt', 'dev'], {}, /synth: Unknown option '--targt'/],
    ['a cluster the target does not run on', ['--target', 'prod', '--cluster', 'local'], {},
      /target "prod": invalid cluster "local": the target runs on clusters "prod-eu", "prod-us" \(config\/targets.ts\); name one of them/],
    ['a cluster in $TARGET_CLUSTER the target does not run on', [], { TARGET_CLUSTER: 'prod-eu' },
      /target "dev": invalid cluster "prod-eu": the target runs on cluster "local" \(config\/targets.ts\); name one of them/],
  ])('%s fails with exit 1 and leaves the previous output as it was', async (_name, args, env, message) => {
    const outdir = path.join(work, 'kept');
    await run(['--outdir', outdir]);
    const before = readTree(outdir);
    const r = await run([...args, '--outdir', outdir], { ...defaultEnv, ...env });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(readTree(outdir)).toEqual(before);
  });

  test('a folder holding files it did not write is refused, and nothing in it is touched', async () => {
    const outdir = path.join(work, 'foreign');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'notes.txt'), 'mine');
    const r = await run(['--outdir', outdir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${outdir} holds files this command did not write ("notes.txt")`);
    expect(readTree(outdir)).toEqual({ 'notes.txt': 'mine' });
  });
});
