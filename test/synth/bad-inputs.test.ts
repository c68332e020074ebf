import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { Cpu, ServiceType } from 'cdk8s-plus-27';
import { Size } from 'cdk8s';
import { deploymentConfig } from '../../config/targets';
import { ResolvedTarget, resolveTargets, TargetConfig } from '../../config/deployment-config';
import { ImageReference } from '../../lib/image-reference';
import { IngressController } from '../../lib/ingress-controller';
import { IngressTls } from '../../lib/ingress-tls';
import { MetricsExporter } from '../../lib/metrics-exporter';
import { NamespaceChart } from '../../lib/namespace-chart';
import { ResourceProfile } from '../../lib/resource-profile';
import { ServiceMesh } from '../../lib/service-mesh';
import { ServiceMonitoring } from '../../lib/service-monitoring';
import { pluginValidation } from '../../synth/validations';
import { runSynthCommand } from '../../synth/synth-command';
import { WebIngress } from '../../lib/web-ingress';
import { WebService, WebServiceProps } from '../../lib/web-service';
import { buildTargetFromEnv, resolveConfig, targets, validations } from '../../app';
import { ArgoCdCluster } from '../../lib/argocd-cluster';
import { hashTree } from '../support/hash-tree';

// A user's first hour: every mistake below, made in main.ts or config/targets.ts, goes through
// the synth command as `npm run synth` runs it. Each must fail with a message that names where
// (the construct path, or the option's place), what (the prop) and the rejected value, quoted;
// and dist/ must stay byte for byte what the last good synth wrote. The constructs the mistakes
// add are called mistake-*, so that no service a user adds to main.ts is in their way.

const image = ImageReference.fromTag('registry.example.com/site', '1.0.0');
const env = { ...process.env, SITE_IMAGE: '', API_IMAGE: '', TARGET: '' };

/** A mistake: what it does to the app, after the target itself was built. */
type Mistake = (chart: NamespaceChart, app: App) => void;
const service = (props: Partial<WebServiceProps> & Record<string, unknown>, id = 'mistake'): Mistake =>
  (chart) => { new WebService(chart, id, { image, ...props } as WebServiceProps); };
const config = (change: (t: TargetConfig) => Record<string, unknown>, extra: TargetConfig[] = []): Mistake =>
  () => { resolveTargets({ ...deploymentConfig, targets: [change(deploymentConfig.targets[0]) as unknown as TargetConfig, ...extra] }); };
/** A second target's chart in the same app, as a user might build two targets into one app. */
const otherChart = (app: App) => new NamespaceChart(app, 'mistake-other', { namespace: 'other-ns', version: '1.0.0' });
const siteOf = (chart: NamespaceChart) => chart.node.findChild('nginx1') as WebService;

/** [name, mistake, the texts the message must contain: where, what, the quoted value]. */
const MISTAKES: Array<[string, Mistake, string[]]> = [
  // WebService props
  ['a misspelled prop', service({ replica: 3 }), ['WebService at "dev/mistake"', 'unknown prop "replica"', 'did you mean "replicas"?']],
  ['a misspelled autoscaling key', service({ autoscaling: { maxReplicas: 4, minReplica: 2 } as never }), ['WebService at "dev/mistake"', 'props.autoscaling "minReplica"', 'did you mean "minReplicas"?']],
  ['a misspelled probe timing', service({ healthChecks: { liveness: { perod: 1 } as never } }), ['WebService at "dev/mistake"', 'props.healthChecks.liveness "perod"', '"period"']],
  ['a misspelled runAs key', service({ runAs: { usr: 20000 } as never }), ['WebService at "dev/mistake"', 'props.runAs "usr"', '"user"']],
  ['a name that is no DNS label', service({ name: 'Shop_1' }), ['WebService at "dev/mistake"', 'invalid name "Shop_1"', 'DNS-1123']],
  ['a container port out of range', service({ containerPort: 70000 }), ['WebService at "dev/mistake"', 'containerPort 70000', 'from 1 to 65535']],
  ['a service port of 0', service({ servicePort: 0 }), ['WebService at "dev/mistake"', 'servicePort 0', 'from 1 to 65535']],
  ['negative replicas', service({ replicas: -1 }), ['WebService at "dev/mistake"', 'replicas -1', 'from 1 to 1000']],
  ['no replicas', service({ replicas: 0 }), ['WebService at "dev/mistake"', 'replicas 0', 'serves nothing', 'scaleToZero: true']],
  ['fractional replicas', service({ replicas: 2.5 }), ['WebService at "dev/mistake"', 'replicas 2.5', 'whole number']],
  ['an ExternalName service', service({ serviceType: ServiceType.EXTERNAL_NAME }), ['WebService at "dev/mistake"', 'serviceType "ExternalName"', '"ClusterIP", "NodePort", "LoadBalancer"']],
  ['a node port outside the range', service({ serviceType: ServiceType.NODE_PORT, nodePort: 8080 }), ['WebService at "dev/mistake"', 'nodePort 8080', 'from 30000 to 32767']],
  ['a node port on a ClusterIP service', service({ nodePort: 30080 }), ['WebService at "dev/mistake"', 'nodePort 30080', 'needs serviceType NodePort']],
  ['a relative health path', service({ healthCheckPath: 'healthz' }), ['WebService at "dev/mistake"', 'healthCheckPath "healthz"', 'absolute URL path']],
  ['readiness on the health path', service({ readinessPath: '/healthz' }), ['WebService at "dev/mistake"', 'readinessPath "/healthz"', 'other than healthCheckPath']],
  ['running as root', service({ runAs: { user: 0 } }), ['WebService at "dev/mistake"', 'runAs.user 0', 'from 10001']],
  ['a relative writable path', service({ writablePaths: ['tmp'] }), ['WebService at "dev/mistake"', 'writablePaths "tmp"', 'absolute paths']],
  ['an image as a plain string', service({ image: 'nginx:1.27' as never }), ['WebService at "dev/mistake"', 'invalid image "nginx:1.27"', 'ImageReference.fromTag']],
  ['an image without a tag', (chart) => service({ image: ImageReference.parse('nginx') })(chart, chart.node.root as App), ['ImageReference', 'invalid image "nginx"', 'no tag or digest', 'at test/synth/bad-inputs.test.ts:']],
  ['the latest tag', (chart) => service({ image: ImageReference.parse('nginx:latest') })(chart, chart.node.root as App), ['invalid image tag "latest"', 'at test/synth/bad-inputs.test.ts:']],
  ['a CPU amount that is no amount', service({ resources: ResourceProfile.of({
    requests: { cpu: { amount: 'lots' } as Cpu, memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(64) },
    limits: { cpu: Cpu.units(1), memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(64) } }) }),
  ['WebService at "dev/mistake"', 'resources.requests.cpu "lots"', 'Cpu.millis(250)']],
  ['a memory limit below the request', service({ resources: ResourceProfile.of({
    requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(64) },
    limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(64) } }) }),
  ['WebService at "dev/mistake"', 'resources.limits.memory "65536Ki"', 'below the request (131072Ki)']],
  ['memory as a string', service({ resources: ResourceProfile.of({
    requests: { cpu: Cpu.millis(100), memory: '128Mi' as never, ephemeralStorage: Size.mebibytes(64) },
    limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(64) } }) }),
  ['WebService at "dev/mistake"', 'resources.requests.memory "128Mi"', 'Size.mebibytes(128)']],
  ['a preset by name as a string', service({ resources: 'small' as never }), ['WebService at "dev/mistake"', 'invalid resources "small"', 'ResourceProfile.SMALL']],
  ['an environment variable name with a dash', service({ env: { 'MY-VAR': '1' } }), ['WebService at "dev/mistake"', 'env name "MY-VAR"', 'letters, digits and "_"']],
  ['autoscaling to fewer than the minimum', service({ autoscaling: { minReplicas: 3, maxReplicas: 2 } }), ['WebService at "dev/mistake"', 'autoscaling.maxReplicas 2', 'from 4 to 1000', 'above autoscaling.minReplicas, 3']],
  ['a disruption budget of 0', service({ maxUnavailableDuringDisruption: 0 }), ['WebService at "dev/mistake"', 'maxUnavailableDuringDisruption 0', 'from 1 to 1000']],
  ['a negative revision history', service({ revisionHistoryLimit: -1 }), ['WebService at "dev/mistake"', 'revisionHistoryLimit -1', 'from 0 to 100']],
  ['the same service name twice in a chart', (chart) => { service({ name: 'nginx1' }, 'mistake-again')(chart, chart.node.root as App); }, ['WebService at "dev/mistake-again"', 'name "nginx1"']],
  // Methods and cross-object references
  ['a config mounted over the writable /tmp', (chart) => { siteOf(chart).mountConfig('extra', '/tmp', { 'a.conf': 'x' }); }, ['WebService at "dev/nginx1"', 'config mountPath "/tmp"', 'writable emptyDir']],
  ['a config path mounted twice', (chart) => { const s = siteOf(chart); s.mountConfig('a', '/etc/x', {}); s.mountConfig('b', '/etc/x', {}); }, ['WebService at "dev/nginx1"', 'config "b at /etc/x"', 'once']],
  ['a config id with a space', (chart) => { siteOf(chart).mountConfig('my config', '/etc/x', {}); }, ['WebService at "dev/nginx1"', 'config id "my config"']],
  ['allowFrom a service of another namespace', (chart, app) => {
    const other = new WebService(otherChart(app), 'caller', { image });
    siteOf(chart).allowFrom(other);
  }, ['WebService at "dev/nginx1"', 'allowFrom "mistake-other/caller"', 'namespace "other-ns"', 'this one in "mincloud-dev"']],
  ['two services on one node port', (chart) => {
    service({ serviceType: ServiceType.NODE_PORT, nodePort: 30080 }, 'port-a')(chart, chart.node.root as App);
    service({ serviceType: ServiceType.NODE_PORT, nodePort: 30080 }, 'port-b')(chart, chart.node.root as App);
  }, ['WebService at "dev/port-b"', 'nodePort 30080', 'WebService at "dev/port-a" already uses this node port']],
  // WebIngress
  ['an ingress without hosts', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: [] }); }, ['WebIngress at "dev/mistake-web"', 'hosts []']],
  ['a host listed twice', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: ['shop.example.com', 'shop.example.com'], routes: [{ path: '/', service: siteOf(chart) }] }); },
    ['WebIngress at "dev/mistake-web"', 'hosts "shop.example.com"', 'listed twice (hosts[0] and hosts[1])', 'list it once']],
  ['an upper-case host', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: ['Shop.Example.com'] }); }, ['WebIngress at "dev/mistake-web"', 'hosts "Shop.Example.com"', 'lower-case']],
  ['a relative route path', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: ['shop.example.com'], routes: [{ path: 'api', service: siteOf(chart) }] }); }, ['WebIngress at "dev/mistake-web"', 'routes.path "api"', 'absolute URL path']],
  ['a route to a service of another namespace', (chart, app) => {
    new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: ['shop.example.com'], routes: [{ path: '/', service: new WebService(otherChart(app), 'far', { image }) }] });
  }, ['WebIngress at "dev/mistake-web"', 'routes.service "mistake-other/far"', 'its own namespace']],
  ['one host and path routed twice', (chart) => {
    new WebIngress(chart, 'mistake-one', { controller: IngressController.nginx(), hosts: ['shop.example.com'], routes: [{ path: '/', service: siteOf(chart) }] });
    new WebIngress(chart, 'mistake-two', { controller: IngressController.nginx(), hosts: ['shop.example.com'], routes: [{ path: '/', service: siteOf(chart) }] });
  }, ['WebIngress at "dev/mistake-two"', 'routes.path "shop.example.com/"', 'WebIngress at "dev/mistake-one" already uses this host and path']],
  ['a misspelled ingress prop', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), host: ['a.example.com'] } as never); }, ['WebIngress at "dev/mistake-web"', 'unknown prop "host"', 'did you mean "hosts"?']],
  ['a misspelled route key', (chart) => { new WebIngress(chart, 'mistake-web', { controller: IngressController.nginx(), hosts: ['a.example.com'], routes: [{ paht: '/', service: siteOf(chart) }] } as never); }, ['WebIngress at "dev/mistake-web"', 'props.routes[0] "paht"', 'did you mean "path"?']],
  // ServiceMonitoring
  ['monitoring a service without metrics', (chart) => { new ServiceMonitoring(chart, 'mistake-mon', { service: siteOf(chart) }); }, ['ServiceMonitoring at "dev/mistake-mon"', 'service "nginx1"', 'MetricsExporter.nginx()']],
  ['an error rate of 5 (not a share)', (chart) => { new ServiceMonitoring(chart, 'mistake-mon', { service: new WebService(chart, 'mistake-m', { image, metrics: MetricsExporter.nginx() }), errorRateThreshold: 5 }); }, ['ServiceMonitoring at "dev/mistake-mon"', 'errorRateThreshold 5', 'between 0 and 1']],
  ['monitoring a service of another namespace', (chart, app) => {
    new ServiceMonitoring(chart, 'mistake-mon', { service: new WebService(otherChart(app), 'far', { image, metrics: MetricsExporter.nginx() }) });
  }, ['ServiceMonitoring at "dev/mistake-mon"', 'service "mistake-other/far"', 'its own namespace']],
  // Value classes: no construct yet, so the message names the factory and the user's line
  ['a trace collector without a port', () => { ServiceMesh.linkerd({ traceCollector: 'collector' }); }, ['ServiceMesh.linkerd', 'traceCollector "collector"', 'at test/synth/bad-inputs.test.ts:']],
  ['a misspelled mesh option', () => { ServiceMesh.linkerd({ traceColector: 'c:1' } as never); }, ['ServiceMesh.linkerd', 'unknown option "traceColector"', 'did you mean "traceCollector"?']],
  ['an exporter port out of range', () => { MetricsExporter.nginx({ port: 70000 }); }, ['MetricsExporter.nginx', 'port 70000', 'from 1 to 65535']],
  ['an issuer name with a space', () => { IngressTls.certManager({ issuer: 'lets encrypt' }); }, ['IngressTls.certManager', 'issuer "lets encrypt"']],
  ['an upper-case namespace', (_chart, app) => { new NamespaceChart(app, 'mistake-chart', { namespace: 'Shop', version: '1' }); }, ['NamespaceChart "mistake-chart"', 'namespace "Shop"']],
  ['a priority of 0', (_chart, app) => { new NamespaceChart(app, 'mistake-chart', { namespace: 'shop', version: '1', priority: 0 }); }, ['NamespaceChart "mistake-chart"', 'priority 0', 'from 1 to 1000000000']],
  // config/targets.ts
  ['a misspelled target key', config((t) => ({ ...t, replica: 3 })), ['target "dev"', 'unknown key "replica"', 'did you mean "replicas"?']],
  ['an unknown cluster', config((t) => ({ ...t, cluster: 'lokal' })), ['target "dev"', 'cluster "lokal"', '"local", "prod-eu", "prod-us"']],
  ['two targets with one name', config((t) => ({ ...t }), [{ ...deploymentConfig.targets[0], namespace: 'other' }]), ['target "dev"', 'name "dev"', 'unique']],
  ['an unknown size', config((t) => ({ ...t, size: 'huge' })), ['target "dev"', 'size "huge"', '"nano", "micro", "small", "medium", "large"']],
  ['hosts without an ingress', config((t) => ({ ...t, hosts: ['a.example.com'] })), ['target "dev"', 'ingress', 'IngressController.nginx()']],
  ['a target host listed twice', config((t) => ({ ...t, hosts: ['a.example.com', 'a.example.com'], ingress: { controller: IngressController.nginx() } })),
    ['target "dev"', 'hosts "a.example.com"', 'listed twice', 'list it once']],
  ['a target with 0 replicas', config((t) => ({ ...t, replicas: 0 })), ['target "dev"', 'replicas 0', 'serves nothing']],
  ['maxReplicas not above replicas', config((t) => ({ ...t, replicas: 3, maxReplicas: 3 })), ['target "dev"', 'maxReplicas 3', 'from 4 to 1000', 'above replicas, 3, which is the autoscaler\'s minimum']],
  ['a gitops repository that is no URL', () => { resolveConfig({ ...deploymentConfig, gitops: { ...deploymentConfig.gitops!, repository: 'rendered-manifests' } }); },
    ['deployment config', 'gitops.repository "rendered-manifests"', 'https://host/path.git']],
  ['gitops without the clusters of a target', () => { resolveConfig({ ...deploymentConfig, gitops: { ...deploymentConfig.gitops!, clusters: { local: ArgoCdCluster.inCluster() } } }); },
    ['target "prod"', 'gitops.clusters "prod-eu"', 'ArgoCdCluster.server(']],
  ['an ingress on a cluster without its pod network', () => {
    resolveTargets({ clusters: { bare: { context: 'bare' } }, targets: [{ ...deploymentConfig.targets[2], clusters: undefined, cluster: 'bare' }] });
  }, ['target "prod"', 'invalid ingress "nginx"', 'set podNetwork', 'on cluster "bare"']],
  ['a misspelled ingress key of a target', config((t) => ({ ...t, hosts: ['a.example.com'], ingress: { controler: IngressController.nginx() } })), ['target "dev"', 'target.ingress "controler"', 'did you mean "controller"?']],
];

describe('every mistake is named, and dist/ is left as it was', () => {
  let work: string;
  let outdir: string;
  let good: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
    outdir = path.join(work, 'dist');
    expect((await run(() => undefined)).code).toBe(0);
    good = hashTree(outdir);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  async function run(mistake: Mistake, extraEnv: NodeJS.ProcessEnv = {}) {
    const lines: string[] = [];
    const io = { out: () => undefined, err: (l: string) => lines.push(l) };
    const code = await runSynthCommand(['--outdir', outdir], { ...env, ...extraEnv }, {
      targets,
      build: (app: App, target: ResolvedTarget) => mistake(buildTargetFromEnv(app, target, { ...env, ...extraEnv }), app),
      validate: () => pluginValidation(validations()),
    }, io);
    return { code, message: lines.join('\n') };
  }

  test('there are at least 40 distinct mistakes', () => {
    expect(new Set(MISTAKES.map(([name]) => name)).size).toBe(MISTAKES.length);
    expect(MISTAKES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(MISTAKES)('%s', async (_name, mistake, expected) => {
    const { code, message } = await run(mistake);
    expect(code).toBe(1);
    for (const text of expected) expect(message).toContain(text);
    expect(message).toContain('was left unchanged');
    expect(hashTree(outdir)).toBe(good);
  });

  test.each([
    ['SITE_IMAGE', { SITE_IMAGE: 'nginx:latest' }, ['environment variable SITE_IMAGE', 'invalid image tag "latest"']],
    ['TARGET', { TARGET: 'qa' }, ['there is no target "qa"', '"dev", "staging", "prod", "preview"', 'config/targets.ts']],
  ])('a bad %s in the environment', async (_name, extraEnv, expected) => {
    const { code, message } = await run(() => undefined, extraEnv);
    expect(code).toBe(1);
    for (const text of expected) expect(message).toContain(text);
    expect(hashTree(outdir)).toBe(good);
  });

  test('a hand-written privileged container fails the policy checks (exit 2), named by rule, object and construct path', async () => {
    const { code, message } = await run((chart) => {
      new ApiObject(chart, 'rogue', {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rogue' },
        spec: { selector: { matchLabels: { app: 'rogue' } }, template: { metadata: { labels: { app: 'rogue' } },
          spec: { containers: [{ name: 'c', image: 'registry.example.com/rogue:1.0.0', securityContext: { privileged: true } }] } } },
      });
    });
    expect(code).toBe(2);
    expect(message).toMatch(/Deployment\/mincloud-dev\/rogue.*privileged/s);
    expect(message).toContain('was left unchanged');
    expect(hashTree(outdir)).toBe(good);
  });

  test('a misspelt field fails the schema check (exit 2), and the report names the field without --verbose', async () => {
    const { code, message } = await run((chart) => {
      new ApiObject(chart, 'rogue-service', {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'rogue' },
        spec: { selector: { app: 'rogue' }, ports: [{ port: 80, targetPrt: 8080 }] },
      });
    });
    expect(code).toBe(2);
    expect(message).toContain('schema/unknown-field [error]');
    expect(message).toContain('unknown field "targetPrt"');
    expect(message).toMatch(/- Service\/mincloud-dev\/rogue in \S+dev\.k8s\.yaml \(construct dev\/rogue-service\) at \/spec\/ports\/0(\/targetPrt)?\n/);
    expect(message).toContain('was left unchanged');
    expect(hashTree(outdir)).toBe(good);
  });
});
