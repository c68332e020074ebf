import * as path from 'path';
import { SchemaValidator } from './schema-validator';

/** Upstream CRDs kept as test inputs (test/crds/README.md). */
const CRDS = path.join(__dirname, '..', '..', 'test', 'crds');
const validator = SchemaValidator.forKubernetes127({ crds: [CRDS] });

function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 8080 }], imagePullPolicy: 'Always' }] },
      },
    },
  };
}

function service(): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', nodePort: 30080 }] },
  };
}

describe('SchemaValidator (Kubernetes 1.27, strict)', () => {
  test('knows the 1.27 kinds', () => {
    expect(validator.knownKinds).toEqual(expect.arrayContaining([
      'apps/v1/Deployment', 'v1/Service', 'policy/v1/PodDisruptionBudget', 'autoscaling/v2/HorizontalPodAutoscaler', 'networking.k8s.io/v1/Ingress']));
  });

  test('accepts valid objects', () => {
    expect(validator.validate([deployment(), service()])).toEqual([]);
  });

  // Each case breaks a valid object in one way; the validator must name the object and the place.
  const cases: Array<[string, () => any, string, RegExp]> = [
    ['unknown field', () => { const d = deployment(); d.spec.replica = 2; return d; }, '/spec', /unknown field "replica"/],
    ['unknown nested field', () => { const d = deployment(); d.spec.template.spec.containers[0].imagePullPolicyy = 'Always'; return d; },
      '/spec/template/spec/containers/0', /unknown field "imagePullPolicyy"/],
    ['wrong type', () => { const d = deployment(); d.spec.replicas = '2'; return d; }, '/spec/replicas', /must be integer/],
    ['missing required field', () => { const d = deployment(); delete d.spec.selector; return d; }, '/spec', /missing required field "selector"/],
    ['missing container image name', () => { const d = deployment(); delete d.spec.template.spec.containers[0].name; return d; },
      '/spec/template/spec/containers/0', /missing required field "name"/],
    ['int32 overflow', () => { const d = deployment(); d.spec.replicas = 2 ** 40; return d; }, '/spec/replicas', /must match format "int32"/],
    ['negative replicas', () => { const d = deployment(); d.spec.replicas = -1; return d; }, '/spec/replicas', /whole number of at least 0/],
    ['bad enum', () => { const s = service(); s.spec.type = 'NodePrt'; return s; }, '/spec/type', /"NodePrt" is not allowed; use one of: ClusterIP, NodePort, LoadBalancer, ExternalName/],
    ['bad pull policy', () => { const d = deployment(); d.spec.template.spec.containers[0].imagePullPolicy = 'always'; return d; },
      '/spec/template/spec/containers/0/imagePullPolicy', /"always" is not allowed/],
    ['port out of range', () => { const d = deployment(); d.spec.template.spec.containers[0].ports[0].containerPort = 70000; return d; },
      '/spec/template/spec/containers/0/ports/0/containerPort', /port 70000 is out of range/],
    ['nodePort out of range', () => { const s = service(); s.spec.ports[0].nodePort = 8080; return s; }, '/spec/ports/0/nodePort', /nodePort 8080 is outside/],
    ['bad target port name', () => { const s = service(); s.spec.ports[0].targetPort = 'HTTP_PORT'; return s; }, '/spec/ports/0/targetPort', /port name "HTTP_PORT" is invalid/],
    ['bad object name', () => { const d = deployment(); d.metadata.name = 'Web_1'; return d; }, '/metadata/name', /name "Web_1" must be a DNS-1123 subdomain/],
    ['service name starting with a digit', () => { const s = service(); s.metadata.name = '1web'; return s; }, '/metadata/name', /must be an RFC 1035 label/],
    ['bad label value', () => { const d = deployment(); d.metadata.labels.app = 'web app'; return d; }, '/metadata/labels/app', /label value "web app" is invalid/],
    ['missing name', () => { const d = deployment(); delete d.metadata.name; return d; }, '/metadata/name', /metadata.name is required/],
    ['unknown kind', () => ({ apiVersion: 'apps/v1', kind: 'Deploymnt', metadata: { name: 'x' } }), '/apiVersion', /unknown apiVersion\/kind "apps\/v1\/Deploymnt"/],
    ['removed API version', () => ({ ...deployment(), apiVersion: 'extensions/v1beta1' }), '/apiVersion', /unknown apiVersion\/kind "extensions\/v1beta1\/Deployment"/],
  ];

  test.each(cases)('rejects %s', (_name, make, path, message) => {
    const violations = validator.validate([make()]);
    expect(violations).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]));
  });

  test('names the object and the document position', () => {
    const broken = deployment();
    broken.spec.replica = 1;
    expect(validator.validate([service(), broken])[0].object).toBe('Deployment/web');
    expect(validator.validate([{ apiVersion: 'v1' } as any])[0].object).toBe('document #1');
  });
});

describe('SchemaValidator for custom resources (CRD schemas given as files or folders)', () => {
  const monitor = () => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'metrics', interval: '30s' }] },
  } as any);

  test('accepts a valid ServiceMonitor', () => {
    expect(validator.validate([monitor()])).toEqual([]);
  });

  test.each<[string, (m: any) => void, RegExp]>([
    ['an unknown field', (m) => { m.spec.endpoints[0].intervall = '30s'; }, /unknown field "intervall"/],
    ['a wrong type', (m) => { m.spec.endpoints = 'metrics'; }, /must be array/],
    ['a missing required field', (m) => { delete m.spec.selector; }, /required field is missing/],
  ])('rejects %s', (_n, mutate, message) => {
    const m = monitor();
    mutate(m);
    expect(validator.validate([m]).map((v) => v.message).join('\n')).toMatch(message);
  });

  test('without CRDs, a custom resource is an unknown kind; CRD files work as well as folders', () => {
    expect(SchemaValidator.forKubernetes127().validate([monitor()])).toEqual([expect.objectContaining({ path: '/apiVersion', message: expect.stringMatching(/unknown apiVersion\/kind "monitoring.coreos.com\/v1\/ServiceMonitor"/) })]);
    const file = path.join(CRDS, 'prometheus-operator', 'monitoring.coreos.com_servicemonitors.yaml');
    expect(SchemaValidator.forKubernetes127({ crds: [file] }).validate([monitor()])).toEqual([]);
  });

  test('a CRD path that does not exist is an error naming it', () => {
    expect(() => SchemaValidator.forKubernetes127({ crds: ['no/such/crds'] })).toThrow(/CRD path \S*no\/such\/crds does not exist: give CRD files/);
  });
});
