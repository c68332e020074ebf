import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { SchemaValidator } from 'k8s-checks';
import { byKind, container, only, synthObjects } from '../test/support/synth';
import { ExternalTrafficPolicy } from './external-traffic-policy';
import { ImageReference } from './image-reference';
import { IngressSource } from './ingress-source';
import { PolicyException } from './policy-exception';
import { MetricsExporter } from './metrics-exporter';
import { NamespaceChart } from './namespace-chart';
import { ResourceProfile } from './resource-profile';
import { checkPolicies } from 'k8s-checks';
import { ServiceMesh } from './service-mesh';
import { WebService, WebServiceProps } from './web-service';

/** The app's CRDs, for the custom resources among the objects. */
const CRDS = path.join(__dirname, '..', 'crds');

const image = ImageReference.fromTag('docker.io/mincloud1501/nginx', '1.0.0');

function synth(props: Partial<WebServiceProps> = {}, id = 'web') {
  const chart = Testing.chart();
  const service = new WebService(chart, id, { image, ...props });
  return { chart, service, objects: synthObjects(chart) };
}

describe('WebService defaults', () => {
  const { objects, service } = synth();

  test('creates exactly the production set of objects', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(service.autoscaler).toBeUndefined();
  });

  test('every object passes the strict Kubernetes 1.27 schema', () => {
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('every object carries the recommended labels', () => {
    for (const o of objects) {
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'web',
        'app.kubernetes.io/instance': 'web',
        'app.kubernetes.io/version': '1.0.0',
        'app.kubernetes.io/component': 'web',
        'app.kubernetes.io/part-of': 'mincloud',
        'app.kubernetes.io/managed-by': 'cdk8s',
      });
    }
  });

  test('selectors use only the immutable, per-service labels', () => {
    const selector = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' };
    expect(only(objects, 'Deployment').spec.selector.matchLabels).toEqual(selector);
    expect(only(objects, 'Service').spec.selector).toEqual(selector);
    expect(only(objects, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(selector);
    // Polaris matches a policy to pods by exactly one label; instance alone identifies them.
    expect(only(objects, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'web' });
  });

  test('deployment: 2 replicas, zero-downtime rolling update, revision history', () => {
    const spec = only(objects, 'Deployment').spec;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(spec.revisionHistoryLimit).toBe(5);
    // A stuck rollout fails after 3 minutes without progress, not Kubernetes' 10.
    expect(spec.progressDeadlineSeconds).toBe(180);
  });

  test('container: pinned image pulled Always, port 8080 named http, small resources', () => {
    const c = container(objects);
    expect(c.image).toBe('docker.io/mincloud1501/nginx:1.0.0');
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
      limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '512Mi' },
    });
  });

  test('probes: liveness and startup on /healthz, readiness on /readyz, different timings', () => {
    const c = container(objects);
    for (const p of [c.livenessProbe, c.startupProbe]) {
      expect(p.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    }
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http', scheme: 'HTTP' });
    expect(c.readinessProbe.periodSeconds).toBe(5);
    expect(c.livenessProbe.periodSeconds).toBe(10);
    expect(c.startupProbe.failureThreshold).toBe(30);
  });

  test('security: non-root 10101, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10101, runAsGroup: 10101, fsGroup: 10101, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(objects).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10101, runAsGroup: 10101, readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(objects).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  test('service account of its own, without an API token', () => {
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).toBe('web');
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('spread over nodes and zones without blocking single-node clusters', () => {
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'], ['topology.kubernetes.io/zone', 'ScheduleAnyway']]);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey)
      .toBe('kubernetes.io/hostname');
  });

  test('ClusterIP service on port 80 to the named container port', () => {
    expect(only(objects, 'Service').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }],
    });
  });

  test('disruption budget allows one pod down and evicts unhealthy pods', () => {
    const spec = only(objects, 'PodDisruptionBudget').spec;
    expect(spec.maxUnavailable).toBe(1);
    expect(spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('network policy: default deny both ways, service port from the namespace, DNS out', () => {
    const spec = only(objects, 'NetworkPolicy').spec;
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(spec.egress).toHaveLength(1);
    expect(spec.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
  });
});

describe('WebService props change exactly their field', () => {
  const byKindMap = (objects: readonly { kind: string }[]) => Object.fromEntries(objects.map((o) => [o.kind, o]));
  const base = byKindMap(synth().objects);
  /** Paths whose values differ between two synths. */
  function changedPaths(a: unknown, b: unknown, path = ''): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      return [...keys].flatMap((k) => changedPaths((a as any)[k], (b as any)[k], `${path}/${k}`));
    }
    return [path];
  }
  const cases: Array<[string, Partial<WebServiceProps>, string[]]> = [
    ['replicas', { replicas: 4 }, ['/Deployment/spec/replicas']],
    ['containerPort', { containerPort: 9090 }, [
      '/Deployment/spec/template/spec/containers/0/ports/0/containerPort', '/NetworkPolicy/spec/ingress/0/ports/0/port']],
    ['servicePort', { servicePort: 8000 }, ['/Service/spec/ports/0/port']],
    ['healthCheckPath', { healthCheckPath: '/ready' }, [
      '/Deployment/spec/template/spec/containers/0/livenessProbe/httpGet/path',
      '/Deployment/spec/template/spec/containers/0/startupProbe/httpGet/path']],
    ['readinessPath', { readinessPath: '/ready' }, ['/Deployment/spec/template/spec/containers/0/readinessProbe/httpGet/path']],
    ['revisionHistoryLimit', { revisionHistoryLimit: 2 }, ['/Deployment/spec/revisionHistoryLimit']],
    ['progressDeadline', { progressDeadline: Duration.minutes(5) }, ['/Deployment/spec/progressDeadlineSeconds']],
    ['maxUnavailableDuringDisruption', { maxUnavailableDuringDisruption: 2 }, ['/PodDisruptionBudget/spec/maxUnavailable']],
    ['imagePullPolicy', { imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT }, ['/Deployment/spec/template/spec/containers/0/imagePullPolicy']],
    ['priorityClassName', { priorityClassName: 'high' }, ['/Deployment/spec/template/spec/priorityClassName']],
    ['resources', { resources: ResourceProfile.LARGE }, [
      '/Deployment/spec/template/spec/containers/0/resources/limits/cpu',
      '/Deployment/spec/template/spec/containers/0/resources/limits/ephemeral-storage',
      '/Deployment/spec/template/spec/containers/0/resources/limits/memory',
      '/Deployment/spec/template/spec/containers/0/resources/requests/cpu',
      '/Deployment/spec/template/spec/containers/0/resources/requests/ephemeral-storage',
      '/Deployment/spec/template/spec/containers/0/resources/requests/memory']],
  ];
  test.each(cases)('%s', (_name, props, expected) => {
    const changed = changedPaths(base, byKindMap(synth(props).objects));
    expect(changed.sort()).toEqual([...expected].sort());
  });
});

describe('WebService options', () => {
  test('NodePort with a fixed nodePort admits any address on the container port', () => {
    const { objects } = synth({ serviceType: kplus.ServiceType.NODE_PORT, nodePort: 30080 });
    expect(only(objects, 'Service').spec.type).toBe('NodePort');
    expect(only(objects, 'Service').spec.ports[0].nodePort).toBe(30080);
    expect(only(objects, 'NetworkPolicy').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
  });

  test('LoadBalancer is allowed', () => {
    expect(only(synth({ serviceType: kplus.ServiceType.LOAD_BALANCER }).objects, 'Service').spec.type).toBe('LoadBalancer');
  });

  test('NodePort and LoadBalancer Services keep the client\'s address (externalTrafficPolicy Local) unless told otherwise', () => {
    for (const serviceType of [kplus.ServiceType.NODE_PORT, kplus.ServiceType.LOAD_BALANCER]) {
      expect(only(synth({ serviceType }).objects, 'Service').spec.externalTrafficPolicy).toBe('Local');
      const spread = only(synth({ serviceType, externalTrafficPolicy: ExternalTrafficPolicy.cluster() }).objects, 'Service');
      expect(spread.spec.externalTrafficPolicy).toBe('Cluster');
    }
    // A ClusterIP Service takes no traffic from outside the cluster: the field stays unset.
    expect(only(synth().objects, 'Service').spec.externalTrafficPolicy).toBeUndefined();
  });

  test('environment variables, sorted, and addEnv after creation', () => {
    const chart = Testing.chart();
    const s = new WebService(chart, 'web', { image, env: { B: '2', A: '1' } });
    s.addEnv('C', '3');
    expect(container(synthObjects(chart)).env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }]);
  });

  test('inside a NamespaceChart the pods get its PriorityClass; elsewhere none unless given', () => {
    const app = Testing.app();
    const ns = new NamespaceChart(app, 'dev', { namespace: 'team-dev', version: '1.0.0' });
    new WebService(ns, 'web', { image });
    const objects = synthObjects(ns);
    expect(only(objects, 'PriorityClass')).toMatchObject({ metadata: { name: 'team-dev-services' }, value: 10000, globalDefault: false });
    expect(only(objects, 'PriorityClass').metadata.namespace).toBeUndefined();
    expect(only(objects, 'Deployment').spec.template.spec.priorityClassName).toBe('team-dev-services');
    expect(only(synth().objects, 'Deployment').spec.template.spec.priorityClassName).toBeUndefined();
  });

  test('HPA declares the Polaris replicas exemption itself, with its reason', () => {
    const { objects } = synth({ autoscaling: { maxReplicas: 4 } });
    expect(only(objects, 'Deployment').metadata.annotations).toEqual({
      'polaris.fairwinds.com/deploymentMissingReplicas-exempt': 'true',
      'policy.mincloud.dev/reason': expect.stringMatching(/^polaris deploymentMissingReplicas: Replicas are owned by the HorizontalPodAutoscaler/),
    });
  });

  test('a digest is pulled IfNotPresent and labelled by its short digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const { objects } = synth({ image: ImageReference.fromDigest('docker.io/mincloud1501/nginx', digest) });
    expect(container(objects).image).toBe(`docker.io/mincloud1501/nginx@${digest}`);
    expect(container(objects).imagePullPolicy).toBe('IfNotPresent');
    expect(only(objects, 'Deployment').metadata.labels!['app.kubernetes.io/version']).toBe('sha256-abababababab');
    // The two checkers that want Always are told why, in their own annotations.
    expect(only(objects, 'Deployment').metadata.annotations).toMatchObject({
      'kube-score/ignore': 'container-image-pull-policy',
      'polaris.fairwinds.com/pullPolicyNotAlways-exempt': 'true',
    });
  });

  test('autoscaling adds an HPA and leaves replicas to it', () => {
    const { objects } = synth({ autoscaling: { minReplicas: 3, maxReplicas: 9, cpuUtilization: 60 } });
    expect(only(objects, 'Deployment').spec.replicas).toBeUndefined();
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 9]);
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 60], ['memory', 80]]);
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('explicit resources, custom user, several writable paths, no startup probe, no drain delay', () => {
    const { objects } = synth({
      resources: ResourceProfile.of({
        requests: { cpu: kplus.Cpu.millis(10), memory: Size.mebibytes(20), ephemeralStorage: Size.mebibytes(30) },
        limits: { cpu: kplus.Cpu.units(1), memory: Size.mebibytes(40), ephemeralStorage: Size.mebibytes(50) },
      }),
      runAs: { user: 20000, group: 20001, fsGroup: 20002 },
      writablePaths: ['/tmp', '/var/cache/app'],
      healthChecks: { startup: false, liveness: { period: Duration.seconds(20) } },
      drainDelay: Duration.seconds(0),
    });
    const c = container(objects);
    expect(c.resources.requests.cpu).toBe('10m');
    expect(c.resources.limits.cpu).toBe('1');
    expect([c.securityContext.runAsUser, c.securityContext.runAsGroup]).toEqual([20000, 20001]);
    expect(only(objects, 'Deployment').spec.template.spec.securityContext.fsGroup).toBe(20002);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/cache/app']);
    expect(c.startupProbe).toBeUndefined();
    expect(c.livenessProbe.periodSeconds).toBe(20);
    expect(c.lifecycle).toBeUndefined();
  });

  test('allowFrom another service opens its port to exactly those pods, and egress from them', () => {
    const chart = Testing.chart();
    const site = new WebService(chart, 'site', { image });
    const api = new WebService(chart, 'api', { image, containerPort: 9000, ingressFrom: [] });
    api.allowFrom(site);
    api.allowFrom(IngressSource.namespace('monitoring'));
    const policies = byKind(synthObjects(chart), 'NetworkPolicy');
    const apiPolicy = policies.find((p) => p.metadata.name === 'api')!;
    const sitePolicy = policies.find((p) => p.metadata.name === 'site')!;
    expect(apiPolicy.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: site.selector } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(sitePolicy.spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: api.selector } }], ports: [{ protocol: 'TCP', port: 9000 }] });
    expect(api.url).toBe('http://api');
  });

  test('mountConfig: a content-hashed, immutable ConfigMap mounted read-only', () => {
    const chart = Testing.chart();
    const s = new WebService(chart, 'web', { image });
    s.mountConfig('proxy', '/etc/nginx/site.d', { 'b.conf': 'B', 'a.conf': 'A' });
    const objects = synthObjects(chart);
    const cm = only(objects, 'ConfigMap');
    expect(cm.metadata.name).toMatch(/^web-proxy-[0-9a-f]{10}$/);
    expect(cm.data).toEqual({ 'a.conf': 'A', 'b.conf': 'B' });
    expect(cm.immutable).toBe(true);
    expect(container(objects).volumeMounts[1]).toEqual({ name: 'config-proxy', mountPath: '/etc/nginx/site.d', readOnly: true });
    expect(only(objects, 'Deployment').spec.template.spec.volumes[1]).toEqual({ name: 'config-proxy', configMap: { name: cm.metadata.name } });
    // Other content, other name: pods roll when the files change.
    const chart2 = Testing.chart();
    new WebService(chart2, 'web', { image }).mountConfig('proxy', '/etc/nginx/site.d', { 'a.conf': 'changed' });
    expect(only(synthObjects(chart2), 'ConfigMap').metadata.name).not.toBe(cm.metadata.name);
    expect(() => s.mountConfig('proxy', '/other', {})).toThrow('invalid config "proxy at /other": mount each config id and path once');
    expect(() => s.mountConfig('x', 'relative', {})).toThrow('invalid config mountPath "relative"');
  });

  test('no ingress sources means no ingress rule (an empty "from" would admit everyone)', () => {
    const { objects } = synth({ ingressFrom: [] });
    expect(only(objects, 'NetworkPolicy').spec.ingress).toEqual([]);
    expect(only(objects, 'NetworkPolicy').spec.policyTypes).toContain('Ingress');
  });

  test('linkerd mesh: injection, tracing collector, control-plane egress and proxy admin port', () => {
    const { objects } = synth({ mesh: ServiceMesh.linkerd({ traceCollector: 'collector.linkerd-jaeger:55678' }) });
    const template = only(objects, 'Deployment').spec.template;
    expect(template.metadata.annotations).toEqual({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/proxy-await': 'enabled',
      'config.linkerd.io/trace-collector': 'collector.linkerd-jaeger:55678',
    });
    const np = only(objects, 'NetworkPolicy').spec;
    expect(np.egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([[53, 53], [8080, 8086, 8090], [55678]]);
    expect(np.ingress[1].ports).toEqual([{ protocol: 'TCP', port: 4191 }]);
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('tracing egress reaches only the collector\'s pods in the collector\'s namespace, never every namespace', () => {
    const linkerd = only(synth({ mesh: ServiceMesh.linkerd({ traceCollector: 'collector.linkerd-jaeger:55678' }) }).objects, 'NetworkPolicy').spec;
    expect(linkerd.egress[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd-jaeger' } }, podSelector: { matchLabels: { component: 'collector' } } }],
      ports: [{ protocol: 'TCP', port: 55678 }],
    });
    const istio = only(synth({ mesh: ServiceMesh.istio({ zipkinAddress: 'zipkin.tracing.svc.cluster.local:9411', zipkinPodLabels: { 'app.kubernetes.io/name': 'zipkin' } }) }).objects, 'NetworkPolicy').spec;
    expect(istio.egress[2].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tracing' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'zipkin' } } }]);
    const explicit = only(synth({ mesh: ServiceMesh.linkerd({ traceCollector: 'otel:4317', traceCollectorNamespace: 'observability', traceCollectorPodLabels: { app: 'otel' } }) }).objects, 'NetworkPolicy').spec;
    expect(explicit.egress[2].to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('observability');
    for (const np of [linkerd, istio, explicit]) {
      for (const rule of np.egress) for (const peer of rule.to ?? []) expect(peer.namespaceSelector).not.toEqual({});
    }
    expect(() => ServiceMesh.linkerd({ traceCollector: 'collector:55678' })).toThrow(
      'ServiceMesh.linkerd: invalid traceCollector "collector:55678": name the collector\'s namespace in the host (e.g. "collector.linkerd-jaeger:55678") or set traceCollectorNamespace');
    expect(() => ServiceMesh.istio({ zipkinAddress: 'zipkin.tracing:9411', zipkinPodLabels: {} })).toThrow('ServiceMesh.istio: invalid zipkinPodLabels');
  });

  test('istio mesh: injection label, zipkin address, probe rewrite', () => {
    const { objects } = synth({ mesh: ServiceMesh.istio({ zipkinAddress: 'zipkin.istio-system:9411' }) });
    const template = only(objects, 'Deployment').spec.template;
    expect(template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(JSON.parse(template.metadata.annotations['proxy.istio.io/config'])).toEqual({
      holdApplicationUntilProxyStarts: true, tracing: { zipkin: { address: 'zipkin.istio-system:9411' } } });
    expect(template.metadata.annotations['sidecar.istio.io/rewriteAppHTTPProbers']).toBe('true');
    expect(only(objects, 'NetworkPolicy').spec.egress[1].ports).toEqual([{ protocol: 'TCP', port: 15012 }]);
    // Selectors are untouched by the mesh label.
    expect(only(objects, 'Deployment').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
  });

  test('nginx metrics exporter: hardened sidecar, metrics port on pod and Service, scraped from monitoring only', () => {
    const { objects } = synth({ metrics: MetricsExporter.nginx() });
    const pod = only(objects, 'Deployment').spec.template.spec;
    const exporter = pod.containers[1];
    expect(exporter.name).toBe('metrics');
    // By default pinned by digest, the tag kept: the same bytes on every node, pulled IfNotPresent.
    expect(exporter.image).toMatch(/^docker\.io\/nginx\/nginx-prometheus-exporter:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    expect(exporter.imagePullPolicy).toBe('IfNotPresent');
    expect(exporter.args).toEqual(['--nginx.scrape-uri=http://127.0.0.1:8081/stub_status', '--web.listen-address=:9113', '--web.telemetry-path=/metrics']);
    expect(exporter.securityContext).toEqual(pod.containers[0].securityContext);
    expect(exporter.resources.limits).toBeDefined();
    expect(exporter.readinessProbe.httpGet.path).toBe('/metrics');
    expect(only(objects, 'Service').spec.ports[1]).toEqual({ name: 'metrics', protocol: 'TCP', port: 9113, targetPort: 'metrics' });
    expect(only(objects, 'NetworkPolicy').spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9113 }],
    });
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('the exporter pinned by digest (tag kept): IfNotPresent, and the policy exceptions that implies, beside a tagged site image', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const exporterImage = ImageReference.fromDigest('docker.io/nginx/nginx-prometheus-exporter', digest, '1.1.0');
    const { objects } = synth({ metrics: MetricsExporter.nginx({ image: exporterImage }) });
    const deployment = only(objects, 'Deployment');
    const [site, exporter] = deployment.spec.template.spec.containers;
    expect(exporter.image).toBe(`docker.io/nginx/nginx-prometheus-exporter:1.1.0@${digest}`);
    expect(exporter.imagePullPolicy).toBe('IfNotPresent');
    expect(site.imagePullPolicy).toBe('Always');
    expect(checkPolicies(objects).findings.filter((f) => /pull/i.test(f.rule)).map((f) => f.rule)).toEqual([]);
  });

  test('metrics exporter options are validated', () => {
    expect(() => MetricsExporter.nginx({ stubStatusPort: 0 })).toThrow('MetricsExporter.nginx: invalid stubStatusPort 0');
    expect(() => MetricsExporter.nginx({ scrapedFrom: 'Mon' })).toThrow('MetricsExporter.nginx: invalid scrapedFrom "Mon"');
  });

  test('mesh endpoints are validated', () => {
    expect(() => ServiceMesh.istio({ zipkinAddress: 'http://zipkin:9411' })).toThrow(
      'ServiceMesh.istio: invalid zipkinAddress "http://zipkin:9411": use host:port');
  });

  test('policy exceptions become the tools\' own annotations on the chosen object', () => {
    const { objects } = synth({
      serviceType: kplus.ServiceType.NODE_PORT,
      policyExceptions: [
        PolicyException.kubeScore('service-type', 'Service', 'The seed exposes the site on a NodePort.'),
        PolicyException.kubeLinter('no-anti-affinity', 'Deployment', 'Single-node development cluster.'),
        PolicyException.polaris('priorityClassNotSet', 'Deployment', 'The cluster has no priority classes.'),
      ],
    });
    expect(only(objects, 'Service').metadata.annotations).toEqual({
      'kube-score/ignore': 'service-type',
      'policy.mincloud.dev/reason': 'kube-score service-type: The seed exposes the site on a NodePort.',
    });
    expect(only(objects, 'Deployment').metadata.annotations).toEqual({
      'ignore-check.kube-linter.io/no-anti-affinity': 'Single-node development cluster.',
      'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true',
      'policy.mincloud.dev/reason': 'polaris priorityClassNotSet: The cluster has no priority classes.',
    });
  });
});

describe('WebService rejects bad input with a message naming construct, field, value and rule', () => {
  const cases: Array<[string, Partial<WebServiceProps> & { id?: string }, RegExp]> = [
    ['name not DNS-1123', { name: 'Web_1' }, /WebService at "test\/web": invalid name "Web_1": use 1-63 lower-case letters/],
    ['name too long', { name: 'a'.repeat(64) }, /invalid name "a{64}": use 1-63/],
    ['negative replicas', { replicas: -1 }, /invalid replicas -1: use a whole number from 1 to 1000/],
    ['fractional replicas', { replicas: 1.5 }, /invalid replicas 1.5: use a whole number from 1 to 1000/],
    ['no replicas', { replicas: 0 }, /^WebService at "test\/web": invalid replicas 0: a web service with 0 pods serves nothing: its Service has no endpoints .* Use 2 or more .*run it as a ServerlessService with autoscaling: \{ scaleToZero: true \}/],
    ['maxReplicas not above the default minimum', { autoscaling: { maxReplicas: 2 } },
      /^WebService at "test\/web": invalid autoscaling.maxReplicas 2: use a whole number from 3 to 1000 \(above autoscaling.minReplicas, 2 by default: the autoscaler scales between the two; for a fixed count drop autoscaling and set replicas\)$/],
    ['container port 0', { containerPort: 0 }, /invalid containerPort 0: use a whole number from 1 to 65535/],
    ['container port 70000', { containerPort: 70000 }, /invalid containerPort 70000: use a whole number from 1 to 65535/],
    ['service port 65536', { servicePort: 65536 }, /invalid servicePort 65536: use a whole number from 1 to 65535/],
    ['nodePort below range', { serviceType: kplus.ServiceType.NODE_PORT, nodePort: 8080 }, /invalid nodePort 8080: use a whole number from 30000 to 32767/],
    ['nodePort above range', { serviceType: kplus.ServiceType.NODE_PORT, nodePort: 40000 }, /invalid nodePort 40000: use a whole number from 30000 to 32767/],
    ['nodePort on ClusterIP', { nodePort: 30080 }, /invalid nodePort 30080: a nodePort needs serviceType NodePort or LoadBalancer/],
    ['externalTrafficPolicy on ClusterIP', { externalTrafficPolicy: ExternalTrafficPolicy.local() },
      /invalid externalTrafficPolicy "Local": only NodePort and LoadBalancer Services take traffic from outside the cluster; set serviceType, or drop externalTrafficPolicy/],
    ['externalTrafficPolicy as a string', { serviceType: kplus.ServiceType.NODE_PORT, externalTrafficPolicy: 'Local' as unknown as ExternalTrafficPolicy },
      /invalid externalTrafficPolicy "Local": use ExternalTrafficPolicy.local\(\) or ExternalTrafficPolicy.cluster\(\)/],
    ['ExternalName service', { serviceType: kplus.ServiceType.EXTERNAL_NAME }, /invalid serviceType "ExternalName": use one of "ClusterIP", "NodePort", "LoadBalancer"/],
    ['relative health path', { healthCheckPath: 'healthz' }, /invalid healthCheckPath "healthz": use an absolute URL path/],
    ['readiness equal to liveness', { readinessPath: '/healthz' }, /invalid readinessPath "\/healthz": use a path other than healthCheckPath/],
    ['root user', { runAs: { user: 0 } }, /invalid runAs.user 0: use a whole number from 10001/],
    ['bad env name', { env: { '1BAD': 'x' } }, /invalid env name "1BAD"/],
    ['writable root', { writablePaths: ['/'] }, /invalid writablePaths "\/"/],
    ['hpa max not above min', { autoscaling: { minReplicas: 3, maxReplicas: 3 } }, /invalid autoscaling.maxReplicas 3: use a whole number from 4 to 1000/],
    ['progress deadline too short', { progressDeadline: Duration.seconds(30) }, /invalid progressDeadline "30s": use whole seconds from Duration.seconds\(60\) to Duration.hours\(1\)/],
    ['progress deadline not whole seconds', { progressDeadline: Duration.millis(90500) }, /invalid progressDeadline "90.5s"/],
    ['image not an ImageReference', { image: 'nginx:1.0' as unknown as ImageReference }, /invalid image "nginx:1.0": use ImageReference.fromTag/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('two services with the same name in one chart', () => {
    const chart = Testing.chart();
    new WebService(chart, 'a', { image, name: 'web' });
    expect(() => new WebService(chart, 'b', { image, name: 'web' })).toThrow(
      /WebService at "test\/b": invalid name "web": a web service named "web" already exists in chart "test" \(at "test\/a"\)/);
  });

  test('the same name in two charts is fine', () => {
    const app = Testing.app();
    new WebService(new (require('cdk8s').Chart)(app, 'one'), 'web', { image });
    expect(() => new WebService(new (require('cdk8s').Chart)(app, 'two'), 'web', { image })).not.toThrow();
  });
});
