import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Testing } from 'cdk8s';
import { closeSchema, crdSchemaFor, formatCrdViolations, KubeObject, validateCustomResources } from 'k8s-checks';
import * as cm from '../../imports/cert-manager-certificate-cert-manager.io';
import * as rule from '../../imports/prometheus-rule-monitoring.coreos.com';
import * as monitor from '../../imports/prometheus-servicemonitor-monitoring.coreos.com';
import * as traefik from '../../imports/traefik-ingressroute-traefik.io';
import * as traefikMw from '../../imports/traefik-middleware-traefik.io';
import * as knative from '../../imports/knative-service-serving.knative.dev';
import { synthTargets } from '../../app';
import { readManifestObjects } from 'k8s-checks';

// Custom resources are checked against the openAPIV3Schema of the CRDs kept in crds/, offline
// (the k8s-checks package's CRD validation, given the app's crds/ folder).
const CRDS = [path.resolve(__dirname, '..', '..', 'crds')];

/** One object of each custom resource kind, built with the generated classes and synthesized. */
function validObjects(): KubeObject[] {
  const chart = Testing.chart();
  new cm.Certificate(chart, 'cert', {
    metadata: { name: 'web-tls' },
    spec: {
      secretName: 'web-tls',
      dnsNames: ['mincloud.example.com'],
      duration: '2160h',
      issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      privateKey: { algorithm: cm.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: cm.CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
      secretTemplate: { labels: { 'app.kubernetes.io/name': 'web' } },
    },
  });
  new traefik.IngressRoute(chart, 'route', {
    metadata: { name: 'web' },
    spec: {
      entryPoints: ['websecure'],
      routes: [{
        kind: traefik.IngressRouteSpecRoutesKind.RULE,
        match: 'Host(`mincloud.example.com`) && PathPrefix(`/`)',
        middlewares: [{ name: 'strip-api' }],
        services: [{ name: 'nginx1', port: traefik.IngressRouteSpecRoutesServicesPort.fromNumber(80) }],
      }],
      tls: { secretName: 'web-tls' },
    },
  });
  new traefikMw.Middleware(chart, 'mw', {
    metadata: { name: 'strip-api' },
    spec: {
      stripPrefix: { prefixes: ['/api'] },
      // plugin configuration is free-form (x-kubernetes-preserve-unknown-fields)
      plugin: { example: { anything: { nested: [1, 'two'] } } },
    },
  });
  new traefikMw.Middleware(chart, 'prefix', { metadata: { name: 'add-prefix' }, spec: { addPrefix: { prefix: '/site' } } });
  new monitor.ServiceMonitor(chart, 'monitor', {
    metadata: { name: 'nginx1', labels: { release: 'prometheus' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'nginx' } },
      endpoints: [{ port: 'metrics', interval: '30s', path: '/metrics', targetPort: monitor.ServiceMonitorSpecEndpointsTargetPort.fromNumber(9113) }],
      namespaceSelector: { matchNames: ['mincloud'] },
    },
  });
  new rule.PrometheusRule(chart, 'rules', {
    metadata: { name: 'nginx1' },
    spec: {
      groups: [{
        name: 'nginx1.rules',
        partialResponseStrategy: 'ABORT', // the CRD's pattern is case-insensitive: ^(?i)(abort|warn)?$
        rules: [{
          alert: 'NginxDown',
          expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString('up{job="nginx1"} == 0'),
          for: '5m',
          labels: { severity: 'critical' },
          annotations: { summary: 'nginx1 is down' },
        }],
      }],
    },
  });
  return Testing.synth(chart) as KubeObject[];
}

const byKind = (objects: KubeObject[], kind: string, name?: string): KubeObject =>
  structuredClone(objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!);

describe('the CRDs in crds/ through k8s-checks\' validateCustomResources', () => {
  const valid = validObjects();

  test('objects built with the generated classes are valid', () => {
    const report = validateCustomResources(valid, CRDS);
    expect(formatCrdViolations(report.violations)).toBe('');
    expect(report.checked).toBe(6);
    expect(report.unknownKinds).toEqual([]);
  });

  test('crdSchemaFor finds the served version and closes object schemas', () => {
    for (const o of valid) expect(crdSchemaFor(o.apiVersion, o.kind, CRDS)).toBeDefined();
    expect(crdSchemaFor('cert-manager.io/v1alpha2', 'Certificate', CRDS)).toBeUndefined();
    expect(crdSchemaFor('v1', 'ConfigMap', CRDS)).toBeUndefined();
    const cert = crdSchemaFor('cert-manager.io/v1', 'Certificate', CRDS) as any;
    expect(cert.additionalProperties).toBe(false);
    expect(cert.properties.spec.additionalProperties).toBe(false);
    expect(cert.properties.spec.required).toEqual(expect.arrayContaining(['issuerRef', 'secretName']));
    // metadata has no properties in a CRD: left open (the API server validates ObjectMeta)
    expect(cert.properties.metadata.additionalProperties).toBeUndefined();
    // maps keep their additionalProperties schema
    expect(cert.properties.spec.properties.secretTemplate.properties.labels.additionalProperties).toEqual({ type: 'string' });
  });

  test('closeSchema: preserve-unknown-fields and additionalProperties stay open, anyOf branches are untouched', () => {
    expect(closeSchema({ type: 'object', properties: { a: { type: 'string' } } })).toEqual({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
    expect(closeSchema({ type: 'object', properties: { a: {} }, 'x-kubernetes-preserve-unknown-fields': true })).not.toHaveProperty('additionalProperties');
    expect(closeSchema({ type: 'object', properties: { a: {} }, additionalProperties: true })).toHaveProperty('additionalProperties', true);
    const branch = { properties: { a: { type: 'string' } } };
    expect(closeSchema({ type: 'object', properties: { a: {}, b: {} }, anyOf: [branch] })).toMatchObject({ anyOf: [branch] });
    // a field named like a keyword is still a field
    expect(closeSchema({ type: 'object', properties: { properties: { type: 'object', properties: { x: {} } } } }))
      .toEqual({ type: 'object', additionalProperties: false, properties: { properties: { type: 'object', properties: { x: {} }, additionalProperties: false } } });
  });

  test('an unknown field is rejected, at any depth', () => {
    const cert = byKind(valid, 'Certificate');
    cert.spec.dnsName = ['typo.example.com'];
    cert.spec.issuerRef.namespace = 'cert-manager';
    const mon = byKind(valid, 'ServiceMonitor');
    mon.spec.endpoints[0].scrapeIntervall = '10s';
    const top = byKind(valid, 'IngressRoute');
    top.status = { ok: true };
    top.extra = 1;
    const { violations } = validateCustomResources([cert, mon, top], CRDS);
    expect(violations).toEqual(expect.arrayContaining([
      { object: 'Certificate.cert-manager.io/web-tls', path: '/spec/dnsName', message: expect.stringMatching(/unknown field/) },
      { object: 'Certificate.cert-manager.io/web-tls', path: '/spec/issuerRef/namespace', message: expect.stringMatching(/unknown field/) },
      { object: 'ServiceMonitor.monitoring.coreos.com/nginx1', path: '/spec/endpoints/0/scrapeIntervall', message: expect.stringMatching(/unknown field/) },
      { object: 'IngressRoute.traefik.io/web', path: '/extra', message: expect.stringMatching(/unknown field/) },
    ]));
    // IngressRoute has no status in its CRD schema? Then it is unknown too; otherwise only `ok` is.
    expect(violations.filter((v) => v.object === 'IngressRoute.traefik.io/web').map((v) => v.path)).toContain('/extra');
  });

  test('a wrong type, a bad enum value, a pattern and a CEL rule are rejected', () => {
    const cert = byKind(valid, 'Certificate');
    cert.spec.dnsNames = 'mincloud.example.com';
    cert.spec.privateKey.algorithm = 'DSA';
    const route = byKind(valid, 'IngressRoute');
    route.spec.routes[0].services[0].port = true;
    const rules = byKind(valid, 'PrometheusRule');
    rules.spec.groups[0].partial_response_strategy = 'drop'; // the CRD's field name (the class maps partialResponseStrategy to it)
    const mw = byKind(valid, 'Middleware', 'add-prefix');
    mw.spec.addPrefix.prefix = 'site';
    const { violations } = validateCustomResources([cert, route, rules, mw], CRDS);
    const at = (object: string, p: string) => violations.filter((v) => v.object === object && v.path === p).map((v) => v.message);
    expect(at('Certificate.cert-manager.io/web-tls', '/spec/dnsNames')).toContain('must be array');
    expect(at('Certificate.cert-manager.io/web-tls', '/spec/privateKey/algorithm')).toEqual([expect.stringMatching(/^must be one of .*"ECDSA"/)]);
    expect(at('IngressRoute.traefik.io/web', '/spec/routes/0/services/0/port')).toEqual(expect.arrayContaining(['must be integer', 'must be string']));
    expect(at('PrometheusRule.monitoring.coreos.com/nginx1', '/spec/groups/0/partial_response_strategy')).toEqual([expect.stringMatching(/must match pattern/)]);
    expect(at('Middleware.traefik.io/add-prefix', '/spec/addPrefix/prefix')).toEqual(["must start with a '/'"]);
  });

  test('a missing required field and a missing metadata.name are rejected', () => {
    const cert = byKind(valid, 'Certificate');
    delete cert.spec.secretName;
    const route = byKind(valid, 'IngressRoute');
    delete route.spec.routes[0].match;
    const mon = byKind(valid, 'ServiceMonitor');
    delete mon.spec.selector;
    const rules = byKind(valid, 'PrometheusRule');
    delete (rules.metadata as { name?: string }).name;
    const { violations } = validateCustomResources([cert, route, mon, rules], CRDS);
    expect(violations).toEqual(expect.arrayContaining([
      { object: 'Certificate.cert-manager.io/web-tls', path: '/spec/secretName', message: 'required field is missing' },
      { object: 'IngressRoute.traefik.io/web', path: '/spec/routes/0/match', message: 'required field is missing' },
      { object: 'ServiceMonitor.monitoring.coreos.com/nginx1', path: '/spec/selector', message: 'required field is missing' },
      { object: 'document #4 (PrometheusRule)', path: '/metadata/name', message: 'metadata.name is required' },
    ]));
    expect(violations).toHaveLength(4);
  });

  test('kinds without a CRD are listed, not validated; a version the CRD does not serve is an error', () => {
    const cm1 = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, anything: true };
    const other = { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'i' } };
    const old = { ...byKind(valid, 'Certificate'), apiVersion: 'cert-manager.io/v1alpha2' };
    // the same Kind in another API group (Traefik v2's) is another kind
    const otherGroup = { ...byKind(valid, 'IngressRoute'), apiVersion: 'traefik.containo.us/v1alpha1' };
    const report = validateCustomResources([cm1, other, old, cm1, { kind: 'Thing' }, otherGroup], CRDS);
    expect(report.unknownKinds).toEqual(['cert-manager.io/v1/Issuer', 'traefik.containo.us/v1alpha1/IngressRoute', 'v1/ConfigMap']);
    expect(report.checked).toBe(1);
    expect(report.violations).toEqual([
      { object: 'Certificate.cert-manager.io/web-tls', path: '/apiVersion', message: 'cert-manager.io/v1alpha2 is not served by the Certificate CRD (served: cert-manager.io/v1)' },
      { object: 'document #5 (Thing)', path: '', message: 'apiVersion and kind must be strings' },
    ]);
  });

  test('every custom resource the app synthesizes for every target is valid', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-validate-'));
    try {
      const targets = await synthTargets(out, { env: { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' } });
      const kinds = new Set<string>();
      for (const target of targets.map((t) => t.target.name)) {
        const manifests = readManifestObjects(path.join(out, target));
        const report = validateCustomResources(manifests, CRDS);
        expect(formatCrdViolations(report.violations)).toBe('');
        manifests.filter((m) => crdSchemaFor(String(m.apiVersion), String(m.kind), CRDS)).forEach((m) => kinds.add(`${m.apiVersion}/${m.kind}`));
      }
      // the app uses every kind whose CRD is kept here
      expect([...kinds].sort()).toEqual(['cert-manager.io/v1/Certificate', 'monitoring.coreos.com/v1/PrometheusRule', 'monitoring.coreos.com/v1/ServiceMonitor',
        'serving.knative.dev/v1/Service', 'traefik.io/v1alpha1/IngressRoute', 'traefik.io/v1alpha1/Middleware']);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('the generated classes carry the CRD group, version and kind', () => {
    const gvk = (c: { GVK: { apiVersion: string; kind: string } }) => `${c.GVK.apiVersion}/${c.GVK.kind}`;
    expect([cm.Certificate, traefik.IngressRoute, traefikMw.Middleware, monitor.ServiceMonitor, rule.PrometheusRule, knative.Service].map(gvk)).toEqual([
      'cert-manager.io/v1/Certificate',
      'traefik.io/v1alpha1/IngressRoute',
      'traefik.io/v1alpha1/Middleware',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'monitoring.coreos.com/v1/PrometheusRule',
      'serving.knative.dev/v1/Service',
    ]);
    expect(ApiObject).toBeDefined();
  });
});
