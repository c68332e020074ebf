import * as path from 'path';
import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkPolicies, KubeObject, SchemaValidator } from 'k8s-checks';
import { byKind, only, synthObjects } from '../test/support/synth';
import { ImageReference } from './image-reference';
import { KnativeNetworking } from './knative-networking';
import { NamespaceChart } from './namespace-chart';
import { PolicyException } from './policy-exception';
import { ResourceProfile } from './resource-profile';
import { ScalingMetric } from './scaling-metric';
import { ServerlessService, ServerlessServiceProps } from './serverless-service';
import { WebService } from './web-service';

/** The app's CRDs: Knative Serving's Service among them. */
const CRDS = path.join(__dirname, '..', 'crds');
const schema = SchemaValidator.forKubernetes127({ crds: [CRDS] });

const image = ImageReference.fromTag('docker.io/mincloud1501/api', '1.1.0');
const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** A ServerlessService in a namespace of its own (a NamespaceChart), synthesized. */
function synth(props: Partial<ServerlessServiceProps> = {}, id = 'api') {
  const chart = new NamespaceChart(Testing.app(), 'test', { namespace: 'mincloud-preview', version: '1.0.0' });
  const service = new ServerlessService(chart, id, { image, ...props });
  return { chart, service, objects: synthObjects(chart) };
}

const ksvc = (objects: ReturnType<typeof synthObjects>) => objects.find((o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service')!;
const template = (objects: ReturnType<typeof synthObjects>) => ksvc(objects).spec.template;
const podSpec = (objects: ReturnType<typeof synthObjects>) => template(objects).spec;
const container = (objects: ReturnType<typeof synthObjects>) => podSpec(objects).containers[0];

describe('ServerlessService defaults', () => {
  const { objects, service } = synth();

  test('creates a Knative Service, its ServiceAccount and NetworkPolicy (beside the chart\'s Namespace and PriorityClass)', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'networking.k8s.io/v1 NetworkPolicy', 'scheduling.k8s.io/v1 PriorityClass', 'serving.knative.dev/v1 Service', 'v1 Namespace', 'v1 ServiceAccount']);
    expect(service.knativeService.apiVersion).toBe('serving.knative.dev/v1');
  });

  test('every object passes the strict Kubernetes 1.27 schema, the Knative Service its CRD\'s schema', () => {
    expect(schema.validate(objects)).toEqual([]);
  });

  test('the CRD schema is really applied: fields Knative does not take are refused', () => {
    // The generated class writes only the CRD's fields; a manifest edited by hand may have others.
    const edited = JSON.parse(JSON.stringify(objects));
    const knativeService = ksvc(edited);
    knativeService.spec.replicas = 2; // a Deployment's field
    knativeService.spec.template.spec.containers[0].lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } }; // the queue-proxy drains, not a hook
    knativeService.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(schema.validate(edited).map((v) => [v.rule, v.path])).toEqual([
      ['unknown-field', '/spec/replicas'],
      ['unknown-field', '/spec/template/spec/containers/0/lifecycle'],
      ['type', '/spec/template/spec/containers/0/ports/0/containerPort'],
    ]);
  });

  test('the generated class keeps to the CRD: a JSON patch with a field Knative does not take is dropped', () => {
    const { chart, service } = synth();
    service.knativeService.addJsonPatch(JsonPatch.add('/spec/replicas', 2));
    expect(ksvc(synthObjects(chart)).spec.replicas).toBeUndefined();
  });

  test('zero policy findings; the exceptions are the two Knative\'s default feature flags need, with the flag named', () => {
    const report = checkPolicies(objects as unknown as KubeObject[]);
    expect(report.findings).toEqual([]);
    expect(report.exemptions.map((e) => [e.tool, e.rule, e.object])).toEqual([
      ['polaris', 'priorityClassNotSet', 'Service.serving.knative.dev/mincloud-preview/api'],
      ['polaris', 'topologySpreadConstraint', 'Service.serving.knative.dev/mincloud-preview/api'],
    ]);
    expect(report.exemptions[0].reason).toContain('kubernetes.podspec-priorityclassname feature flag, off by default');
    expect(report.exemptions[1].reason).toContain('kubernetes.podspec-topologyspreadconstraints feature flag, off by default');
  });

  test('every object carries the recommended labels; the Knative Service is cluster-local', () => {
    const labels = {
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/instance': 'api',
      'app.kubernetes.io/version': '1.1.0',
      'app.kubernetes.io/component': 'web',
      'app.kubernetes.io/part-of': 'mincloud',
      'app.kubernetes.io/managed-by': 'cdk8s',
    };
    for (const o of objects.filter((x) => !['Namespace', 'PriorityClass'].includes(x.kind))) {
      expect(o.metadata).toMatchObject({ name: 'api', namespace: 'mincloud-preview' });
      expect(o.metadata.labels).toEqual(o === ksvc(objects) ? { ...labels, 'networking.knative.dev/visibility': 'cluster-local' } : labels);
    }
    expect(template(objects).metadata.labels).toEqual(labels);
  });

  test('autoscaling: Knative\'s KPA on 100 requests in flight per pod, 1 to 10 pods (never zero unless asked), no hard limit', () => {
    expect(template(objects).metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'concurrency',
      'autoscaling.knative.dev/target': '100',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '10',
    });
    expect(podSpec(objects).containerConcurrency).toBe(0);
    expect(podSpec(objects).timeoutSeconds).toBeUndefined();
    expect(ksvc(objects).spec.traffic).toBeUndefined();
  });

  test('container: pinned image pulled Always, one HTTP/1 port 8080, small resources', () => {
    const c = container(objects);
    expect(c.name).toBe('api');
    expect(c.image).toBe('docker.io/mincloud1501/api:1.1.0');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.ports).toEqual([{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.env).toBeUndefined();
    expect(c.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
      limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '512Mi' },
    });
  });

  test('probes: HTTP on the container port, liveness and startup on /healthz, readiness on /readyz, WebService\'s timings', () => {
    const c = container(objects);
    for (const p of [c.livenessProbe, c.startupProbe]) expect(p.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/readyz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1,
    });
    expect(c.livenessProbe.periodSeconds).toBe(10);
    expect(c.startupProbe.failureThreshold).toBe(30);
  });

  test('security: non-root 10101, read-only root with an emptyDir at /tmp, no escalation, no capabilities, RuntimeDefault seccomp, all on the container', () => {
    expect(container(objects).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10101, runAsGroup: 10101, readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(objects).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(podSpec(objects).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    // Behind Knative feature flags that are off by default: not rendered.
    for (const field of ['securityContext', 'priorityClassName', 'topologySpreadConstraints', 'affinity']) expect(podSpec(objects)[field]).toBeUndefined();
  });

  test('service account of its own, without an API token, no service links', () => {
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(podSpec(objects)).toMatchObject({ serviceAccountName: 'api', automountServiceAccountToken: false, enableServiceLinks: false });
  });

  test('network policy: the queue-proxy port from Kourier\'s gateway and the activator, its metrics port from the autoscaler, DNS out, nothing else', () => {
    const np = only(objects, 'NetworkPolicy').spec;
    const pods = (ns: string, labels: Record<string, string>) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: labels } });
    expect(np.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'api' } });
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.ingress).toEqual([
      { from: [pods('kourier-system', { app: '3scale-kourier-gateway' }), pods('knative-serving', { app: 'activator' })], ports: [{ protocol: 'TCP', port: 8012 }] },
      { from: [pods('knative-serving', { app: 'autoscaler' })], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(np.egress).toEqual([{ to: [pods('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]);
  });

  test('url: the cluster-local address Knative routes', () => {
    expect(service.url).toBe('http://api.mincloud-preview.svc.cluster.local');
    const bare = new ServerlessService(Testing.chart(), 'api', { image });
    expect(() => bare.url).toThrow('ServerlessService at "test/api": invalid namespace undefined: the address names the namespace: create the service in a chart with a namespace');
  });

  test('the same input synthesizes the same output', () => {
    expect(JSON.stringify(synth().objects)).toEqual(JSON.stringify(objects));
  });
});

describe('ServerlessService props', () => {
  test('name, appName, component, partOf', () => {
    const { objects } = synth({ name: 'orders', appName: 'shop', component: 'api', partOf: 'store' });
    expect(ksvc(objects).metadata.name).toBe('orders');
    expect(only(objects, 'ServiceAccount').metadata.name).toBe('orders');
    expect(podSpec(objects).serviceAccountName).toBe('orders');
    expect(template(objects).metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/component': 'api', 'app.kubernetes.io/part-of': 'store',
    });
    expect(only(objects, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'orders' });
  });

  test('containerPort: the one port, and what the probes use', () => {
    const c = container(synth({ containerPort: 9000 }).objects);
    expect(c.ports).toEqual([{ name: 'http1', containerPort: 9000, protocol: 'TCP' }]);
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(p.httpGet.port).toBe(9000);
  });

  test('env and addEnv, sorted by name', () => {
    const { chart, service } = synth({ env: { ZONE: 'a', LOG_LEVEL: 'info' } });
    service.addEnv('API_MODE', 'serverless');
    service.addEnv('ZONE', 'b');
    expect(container(synthObjects(chart)).env).toEqual([
      { name: 'API_MODE', value: 'serverless' }, { name: 'LOG_LEVEL', value: 'info' }, { name: 'ZONE', value: 'b' }]);
    expect(() => service.addEnv('K_REVISION', 'x')).toThrow('ServerlessService at "test/api": invalid env name "K_REVISION": Knative sets PORT, K_SERVICE, K_CONFIGURATION, K_REVISION itself');
  });

  test('resources: a preset or explicit amounts', () => {
    expect(container(synth({ resources: ResourceProfile.MICRO }).objects).resources.limits).toEqual({ 'cpu': '200m', 'memory': '64Mi', 'ephemeral-storage': '256Mi' });
    const custom = ResourceProfile.of({
      requests: { cpu: kplus.Cpu.millis(300), memory: Size.mebibytes(192), ephemeralStorage: Size.mebibytes(100) },
      limits: { cpu: kplus.Cpu.units(1), memory: Size.mebibytes(192), ephemeralStorage: Size.mebibytes(200) },
    });
    expect(container(synth({ resources: custom }).objects).resources).toEqual({
      requests: { 'cpu': '300m', 'memory': '192Mi', 'ephemeral-storage': '100Mi' },
      limits: { 'cpu': '1', 'memory': '192Mi', 'ephemeral-storage': '200Mi' },
    });
  });

  test('health paths and probe timings; the startup probe can be turned off', () => {
    const c = container(synth({
      healthCheckPath: '/api/healthz', readinessPath: '/api/readyz',
      healthChecks: { readiness: { period: Duration.seconds(3), failureThreshold: 2 }, liveness: { timeout: Duration.seconds(5), initialDelay: Duration.seconds(1) }, startup: false },
    }).objects);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/api/readyz' }, periodSeconds: 3, failureThreshold: 2 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/api/healthz' }, timeoutSeconds: 5, initialDelaySeconds: 1 });
    expect(c.startupProbe).toBeUndefined();
  });

  test('runAs: the container\'s ids; fsGroup only with the pod security context flag', () => {
    expect(container(synth({ runAs: { user: 20000, group: 20001 } }).objects).securityContext).toMatchObject({ runAsUser: 20000, runAsGroup: 20001 });
    const { objects } = synth({ runAs: { fsGroup: 30000 }, clusterFeatures: { podSecurityContext: true } });
    expect(podSpec(objects).securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10101, runAsGroup: 10101, fsGroup: 30000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(schema.validate(objects)).toEqual([]);
  });

  test('writablePaths: one emptyDir each', () => {
    const { objects } = synth({ writablePaths: ['/tmp', '/var/cache/api'] });
    expect(container(objects).volumeMounts).toEqual([{ name: 'writable-0', mountPath: '/tmp' }, { name: 'writable-1', mountPath: '/var/cache/api' }]);
    expect(podSpec(objects).volumes.map((v: any) => v.name)).toEqual(['writable-0', 'writable-1']);
  });

  test('a digest image is pulled IfNotPresent, with the two exceptions that needs, and no finding', () => {
    const { objects } = synth({ image: ImageReference.fromDigest('docker.io/mincloud1501/api', DIGEST, '1.1.0') });
    expect(container(objects).image).toBe(`docker.io/mincloud1501/api:1.1.0@${DIGEST}`);
    expect(container(objects).imagePullPolicy).toBe('IfNotPresent');
    const report = checkPolicies(objects as unknown as KubeObject[]);
    expect(report.findings).toEqual([]);
    expect(report.exemptions.map((e) => `${e.tool} ${e.rule}`)).toEqual(expect.arrayContaining(['kube-score container-image-pull-policy', 'polaris pullPolicyNotAlways']));
    expect(container(synth({ imagePullPolicy: kplus.ImagePullPolicy.ALWAYS, image: ImageReference.fromDigest('docker.io/mincloud1501/api', DIGEST) }).objects).imagePullPolicy).toBe('Always');
  });

  test('autoscaling: scale to zero when asked', () => {
    const a = template(synth({ autoscaling: { scaleToZero: true } }).objects).metadata.annotations;
    expect(a['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(a['autoscaling.knative.dev/max-scale']).toBe('10');
  });

  test('autoscaling: bounds, requests per second, a hard concurrency limit', () => {
    const { objects } = synth({ autoscaling: { minScale: 2, maxScale: 5, metric: ScalingMetric.requestsPerSecond(50), containerConcurrency: 20 } });
    expect(template(objects).metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/metric': 'rps', 'autoscaling.knative.dev/target': '50',
      'autoscaling.knative.dev/min-scale': '2', 'autoscaling.knative.dev/max-scale': '5',
    });
    expect(podSpec(objects).containerConcurrency).toBe(20);
    const concurrency = template(synth({ autoscaling: { metric: ScalingMetric.concurrency(10), containerConcurrency: 10 } }).objects).metadata.annotations;
    expect(concurrency).toMatchObject({ 'autoscaling.knative.dev/metric': 'concurrency', 'autoscaling.knative.dev/target': '10' });
  });

  test('requestTimeout becomes timeoutSeconds', () => {
    const { objects } = synth({ requestTimeout: Duration.minutes(1) });
    expect(podSpec(objects).timeoutSeconds).toBe(60);
    expect(schema.validate(objects)).toEqual([]);
  });

  test('external: no cluster-local label, still the same in-cluster address', () => {
    const { objects, service } = synth({ external: true });
    expect(ksvc(objects).metadata.labels?.['networking.knative.dev/visibility']).toBeUndefined();
    expect(service.url).toBe('http://api.mincloud-preview.svc.cluster.local');
  });

  test('networking: Istio\'s gateway, or another one, in the NetworkPolicy', () => {
    const from = (objects: ReturnType<typeof synthObjects>) => only(objects, 'NetworkPolicy').spec.ingress[0].from;
    expect(from(synth({ networking: KnativeNetworking.istio() }).objects)[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'ingressgateway' } } });
    const custom = KnativeNetworking.custom({ gatewayNamespace: 'contour-internal', gatewayPodLabels: { app: 'envoy' }, localGatewayPort: 8080, servingNamespace: 'serving' });
    const { objects } = synth({ networking: custom });
    expect(from(objects)).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'contour-internal' } }, podSelector: { matchLabels: { app: 'envoy' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving' } }, podSelector: { matchLabels: { app: 'activator' } } },
    ]);
    expect(custom.localGateway.description).toBe('pods {"app":"envoy"} in contour-internal on 8080');
  });

  test('clusterFeatures: with the flags on, the pods get the PriorityClass, spreading, anti-affinity and a pod security context, and need no exception', () => {
    const { objects } = synth({ clusterFeatures: { priorityClassName: true, topologySpreadConstraints: true, affinity: true, podSecurityContext: true } });
    const pod = podSpec(objects);
    expect(pod.priorityClassName).toBe('mincloud-preview-services');
    expect(pod.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable, t.labelSelector.matchLabels['app.kubernetes.io/instance']])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway', 'api'], ['topology.kubernetes.io/zone', 'ScheduleAnyway', 'api']]);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 10101 });
    expect(ksvc(objects).metadata.annotations).toBeUndefined();
    expect(schema.validate(objects)).toEqual([]);
    const report = checkPolicies(objects as unknown as KubeObject[]);
    expect(report.findings).toEqual([]);
    expect(report.exemptions).toEqual([]);
    expect(podSpec(synth({ clusterFeatures: { priorityClassName: true }, priorityClassName: 'batch-low' }).objects).priorityClassName).toBe('batch-low');
  });

  test('policy exceptions become annotations on the chosen object, beside the implied ones', () => {
    const { objects } = synth({
      policyExceptions: [PolicyException.kubeLinter('env-var-secret', 'KnativeService', 'A public key, not a secret, despite its name.')],
    });
    expect(ksvc(objects).metadata.annotations).toMatchObject({
      'ignore-check.kube-linter.io/env-var-secret': 'A public key, not a secret, despite its name.',
      'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true',
    });
  });

  test('allowFrom(site): the site\'s pods may connect to the local gateway; the service\'s own policy is unchanged', () => {
    const chart = new NamespaceChart(Testing.app(), 'test', { namespace: 'mincloud-preview', version: '1.0.0' });
    const site = new WebService(chart, 'nginx1', { image: ImageReference.fromTag('docker.io/mincloud1501/nginx', '1.1.0') });
    const api = new ServerlessService(chart, 'api', { image });
    const before = JSON.stringify(synthObjects(chart).filter((o) => o.metadata.name === 'api'));
    api.allowFrom(site);
    api.allowFrom(site);
    const objects = synthObjects(chart);
    const siteEgress = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'nginx1')!.spec.egress;
    expect(siteEgress).toHaveLength(2);
    expect(siteEgress[1]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kourier-system' } }, podSelector: { matchLabels: { app: '3scale-kourier-gateway' } } }],
      ports: [{ protocol: 'TCP', port: 8081 }],
    });
    expect(JSON.stringify(objects.filter((o) => o.metadata.name === 'api'))).toBe(before);
    expect(checkPolicies(objects as unknown as KubeObject[]).findings).toEqual([]);
    expect(schema.validate(objects)).toEqual([]);
  });

  test('the generated Knative Service is reachable as an ApiObject for what the props do not cover', () => {
    const { chart, service } = synth();
    ApiObject.of(service.knativeService).metadata.addAnnotation('example.com/owner', 'team-api');
    expect(ksvc(synthObjects(chart)).metadata.annotations).toMatchObject({ 'example.com/owner': 'team-api' });
    expect(byKind(synthObjects(chart), 'Service')).toHaveLength(1);
  });
});

describe('ServerlessService rejects bad input with a message naming construct, field, value and fix', () => {
  const at = 'ServerlessService at "test/api": ';
  const cases: Array<[string, Partial<ServerlessServiceProps>, string]> = [
    ['an unknown prop', { replicas: 2 } as Partial<ServerlessServiceProps>, `${at}unknown prop "replicas": the valid ones are "appName", "autoscaling"`],
    ['an unknown autoscaling key', { autoscaling: { minReplicas: 2 } as never }, `${at}unknown key in props.autoscaling "minReplicas": the valid ones are "containerConcurrency", "maxScale", "metric", "minScale", "scaleToZero"`],
    ['an unknown feature flag', { clusterFeatures: { nodeSelector: true } as never }, `${at}unknown key in props.clusterFeatures "nodeSelector": the valid ones are "affinity", "podSecurityContext", "priorityClassName", "topologySpreadConstraints"`],
    ['an unknown probe key', { healthChecks: { readiness: { periodSeconds: 5 } as never } }, `${at}unknown key in props.healthChecks.readiness "periodSeconds"`],
    ['an image given as a string', { image: 'api:1.0' as unknown as ImageReference }, `${at}invalid image "api:1.0": use ImageReference.fromTag(repository, tag)`],
    ['a name too long for its Revisions\' Services', { name: 'a'.repeat(50) }, `${at}invalid name "${'a'.repeat(50)}": use 1-49 lower-case letters`],
    ['a name that is no DNS label', { name: 'API' }, `${at}invalid name "API": use 1-49 lower-case letters`],
    ['a port of the queue-proxy', { containerPort: 8012 }, `${at}invalid containerPort 8012: Knative's queue-proxy uses 8008, 8012, 8013, 8022, 9090, 9091 in every pod; use another port, e.g. 8080`],
    ['a port out of range', { containerPort: 70000 }, `${at}invalid containerPort 70000: use a whole number from 1 to 65535`],
    ['PORT in env', { env: { PORT: '9000' } }, `${at}invalid env name "PORT": Knative sets PORT, K_SERVICE, K_CONFIGURATION, K_REVISION itself (PORT is containerPort); use another name`],
    ['a bad env name', { env: { '1X': 'y' } }, `${at}invalid env name "1X": use letters, digits and "_", not starting with a digit`],
    ['readiness on the liveness path', { readinessPath: '/healthz' }, `${at}invalid readinessPath "/healthz": use a path other than healthCheckPath`],
    ['a relative health path', { healthCheckPath: 'healthz' }, `${at}invalid healthCheckPath "healthz": use an absolute URL path such as "/healthz"`],
    ['root', { runAs: { user: 0 } }, `${at}invalid runAs.user 0: use a whole number from 10001 to 2147483647`],
    ['fsGroup without the pod security context', { runAs: { fsGroup: 20000 } }, `${at}invalid runAs.fsGroup 20000: fsGroup is a pod security context field, which Knative accepts only with kubernetes.podspec-securitycontext`],
    ['a PriorityClass without its flag', { priorityClassName: 'high' }, `${at}invalid priorityClassName "high": Knative accepts it only with kubernetes.podspec-priorityclassname: set clusterFeatures.priorityClassName`],
    ['a writable root', { writablePaths: ['/'] }, `${at}invalid writablePaths "/": use absolute paths below "/"`],
    ['bad resources', { resources: { cpu: '1' } as unknown as ResourceProfile }, `${at}invalid resources {"cpu":"1"}: use a preset such as ResourceProfile.SMALL`],
    ['scale to zero with a minimum', { autoscaling: { scaleToZero: true, minScale: 2 } }, `${at}invalid autoscaling.minScale 2: a service that scales to zero keeps no pods when idle: leave minScale out, or set scaleToZero: false`],
    ['a minimum of zero', { autoscaling: { minScale: 0 } }, `${at}invalid autoscaling.minScale 0: use a whole number from 1 to 1000`],
    ['a maximum below the minimum', { autoscaling: { minScale: 4, maxScale: 3 } }, `${at}invalid autoscaling.maxScale 3: use a whole number from 4 to 1000`],
    ['a metric given as a string', { autoscaling: { metric: 'rps' as unknown as ScalingMetric } }, `${at}invalid autoscaling.metric "rps": use ScalingMetric.concurrency(target) or ScalingMetric.requestsPerSecond(target)`],
    ['a hard limit below the target', { autoscaling: { containerConcurrency: 50 } }, `${at}invalid autoscaling.containerConcurrency 50: it is below the autoscaler's target of 100 requests in flight per pod`],
    ['a timeout above Knative\'s maximum', { requestTimeout: Duration.minutes(11) }, `${at}invalid requestTimeout "660s": use whole seconds from Duration.seconds(1) to Duration.seconds(600)`],
    ['a timeout in fractions of a second', { requestTimeout: Duration.millis(1500) }, `${at}invalid requestTimeout "1.5s"`],
    ['networking given as a string', { networking: 'kourier' as unknown as KnativeNetworking }, `${at}invalid networking "kourier": use KnativeNetworking.kourier(), .istio() or .custom({...})`],
    ['an exception on an object it does not have', { policyExceptions: [PolicyException.kubeScore('deployment-replicas', 'Deployment', 'Replicas are the autoscaler\'s to decide.')] },
      `${at}invalid policyExceptions "kube-score deployment-replicas on Deployment": a serverless service has the objects "KnativeService", "NetworkPolicy", "ServiceAccount"`],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('value classes check their own input', () => {
    expect(() => ScalingMetric.concurrency(0)).toThrow('ScalingMetric.concurrency: invalid target 0: use a whole number from 1 to 10000');
    expect(() => ScalingMetric.requestsPerSecond(1.5)).toThrow('ScalingMetric.requestsPerSecond: invalid target 1.5: use a whole number from 1 to 100000');
    expect(() => KnativeNetworking.custom({ gatewayNamespace: 'gw', gatewayPodLabels: {}, localGatewayPort: 8081 })).toThrow(
      'KnativeNetworking.custom: invalid gatewayPodLabels {}: name at least one label of the gateway pods');
    expect(() => KnativeNetworking.custom({ gatewayNamespace: 'Gateway', gatewayPodLabels: { app: 'gw' }, localGatewayPort: 8081 })).toThrow(
      'KnativeNetworking.custom: invalid gatewayNamespace "Gateway"');
    expect(() => KnativeNetworking.custom({ gatewayNamespace: 'gw', gatewayPodLabels: { app: 'gw' }, localGatewayPort: 0 })).toThrow(
      'KnativeNetworking.custom: invalid localGatewayPort 0');
    expect(() => KnativeNetworking.custom({ gatewayNamespace: 'gw', gatewayPodLabels: { app: 'gw' }, localGatewayPort: 8081, port: 1 } as never)).toThrow(
      'KnativeNetworking.custom: unknown option "port"');
  });

  test('one name per chart, whatever kind of service holds it', () => {
    const chart = new NamespaceChart(Testing.app(), 'test', { namespace: 'mincloud-preview', version: '1.0.0' });
    new WebService(chart, 'web', { image, name: 'api' });
    expect(() => new ServerlessService(chart, 'api', { image })).toThrow(
      'ServerlessService at "test/api": invalid name "api": a web service named "api" already exists in chart "test" (at "test/web"); give each service a unique name');
    new ServerlessService(chart, 'orders', { image });
    expect(() => new WebService(chart, 'other', { image, name: 'orders' })).toThrow(
      'WebService at "test/other": invalid name "orders": a serverless service named "orders" already exists in chart "test" (at "test/orders")');
  });

  test('allowFrom: a web service of another namespace, or something else', () => {
    const app = Testing.app();
    const api = new ServerlessService(new NamespaceChart(app, 'a', { namespace: 'one', version: '1.0.0' }), 'api', { image });
    const site = new WebService(new NamespaceChart(app, 'b', { namespace: 'two', version: '1.0.0' }), 'site', { image });
    expect(() => api.allowFrom(site)).toThrow('ServerlessService at "a/api": invalid allowFrom "b/site": WebService at "b/site" is in namespace "two", this one in "one"; create both services in one chart');
    expect(() => api.allowFrom('site' as unknown as WebService)).toThrow('ServerlessService at "a/api": invalid allowFrom "site": pass the WebService whose pods call this service');
    expect(() => new Chart(app, 'c')).not.toThrow();
  });
});
