import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { YAML_BOMB } from '../../test/fixtures/hostile-yaml';
import { removedApiKeys } from './removed-apis';
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

function configMap(content: Record<string, unknown>): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, ...content };
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
    ['removed API version', () => ({ ...deployment(), apiVersion: 'extensions/v1beta1' }), '/apiVersion',
      /^extensions\/v1beta1 Deployment was removed in Kubernetes 1\.16; use apiVersion: apps\/v1 \(kind Deployment\)/],
    ['removed kind', () => ({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'x' }, spec: {} }), '/apiVersion',
      /^policy\/v1beta1 PodSecurityPolicy was removed in Kubernetes 1\.25, and the kind with it; use Pod Security admission/],
    ['a container port name longer than 15 characters', () => { const d = deployment(); d.spec.template.spec.containers[0].ports[0].name = 'metrics-exporter1'; return d; },
      '/spec/template/spec/containers/0/ports/0/name', /port name "metrics-exporter1" is invalid; use at most 15/],
    ['a container port name with "--"', () => { const d = deployment(); d.spec.template.spec.containers[0].ports[0].name = 'web--http'; return d; },
      '/spec/template/spec/containers/0/ports/0/name', /port name "web--http" is invalid; .*no "--"/],
    ['a Service port name that is no DNS-1123 label', () => { const s = service(); s.spec.ports[0].name = 'Web_HTTP'; return s; }, '/spec/ports/0/name', /port name "Web_HTTP" is invalid; use a DNS-1123 label/],
    ['a Service port name longer than 63 characters', () => { const s = service(); s.spec.ports[0].name = 'p'.repeat(64); return s; }, '/spec/ports/0/name', /use a DNS-1123 label: at most 63/],
    ['nodePort on a ClusterIP Service', () => { const s = service(); s.spec.type = 'ClusterIP'; return s; }, '/spec/ports/0/nodePort',
      /^nodePort 30080 may not be used when type is ClusterIP; set type: NodePort or LoadBalancer, or remove nodePort$/],
    ['nodePort on a Service of the default type', () => { const s = service(); delete s.spec.type; return s; }, '/spec/ports/0/nodePort', /may not be used when type is ClusterIP \(the default\)/],
    ['a ConfigMap over 1 MiB', () => configMap({ data: { a: 'x'.repeat(700 * 1024), b: 'é'.repeat(200 * 1024) } }), '',
      /^the ConfigMap holds 1\.07 MiB \(1126400 bytes\) in data and binaryData; the API server refuses more than 1 MiB \(1048576 bytes\)$/],
    ['a ConfigMap over 1 MiB with binaryData', () => configMap({ data: { a: 'x'.repeat(1024 * 1024 - 2) }, binaryData: { b: Buffer.alloc(3).toString('base64') } }), '', /holds 1\.00 MiB \(1048577 bytes\)/],
    ['a Secret over 1 MiB', () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: Buffer.alloc(1024 * 1024).toString('base64') }, stringData: { b: 'x' } }), '',
      /^the Secret holds 1\.00 MiB \(1048577 bytes\) in data and stringData/],
  ];

  test.each<[string, () => any]>([
    ['a Service port name of up to 63 characters (a DNS-1123 label)', () => { const s = service(); s.spec.ports[0].name = 'metrics-exporter-for-the-web-frontend'; return s; }],
    ['nodePort 0 (unset: the cluster picks one)', () => { const s = service(); s.spec.ports[0].nodePort = 0; return s; }],
    ['nodePort 0 on a ClusterIP Service', () => { const s = service(); s.spec.type = 'ClusterIP'; s.spec.ports[0].nodePort = 0; return s; }],
    ['nodePort on a LoadBalancer Service', () => { const s = service(); s.spec.type = 'LoadBalancer'; return s; }],
    ['a ConfigMap of exactly 1 MiB', () => configMap({ data: { a: 'x'.repeat(1024 * 1024 - 3) }, binaryData: { b: Buffer.alloc(3).toString('base64') } })],
    ['a Secret whose stringData replaces a data key of the same name', () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: Buffer.alloc(1024 * 1024).toString('base64') }, stringData: { a: 'x' } })],
  ])('accepts %s', (_name, make) => {
    expect(validator.validate([make()])).toEqual([]);
  });

  test('every removed API names a replacement Kubernetes 1.27 serves', () => {
    const known = new Set(validator.knownKinds);
    const replacements = removedApiKeys()
      .map((key) => {
        const [apiVersion, kind] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
        const message = validator.validate([{ apiVersion, kind, metadata: { name: 'x' } }])[0].message;
        const replacement = /use apiVersion: (\S+)/.exec(message)?.[1];
        return replacement === undefined ? undefined : `${replacement}/${kind}`;
      });
    expect(replacements.length).toBeGreaterThan(25);
    expect(replacements.filter((r) => r !== undefined && !known.has(r))).toEqual([]);
  });

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

  test('a CRD file that cannot be used is an error naming it, when a custom resource needs the CRDs', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
    try {
      const crdsIn = (name: string, text: string) => {
        fs.mkdirSync(path.join(work, name));
        fs.writeFileSync(path.join(work, name, 'crd.yaml'), text);
        return SchemaValidator.forKubernetes127({ crds: [path.join(work, name)] });
      };
      expect(() => crdsIn('bomb', YAML_BOMB).validate([monitor()])).toThrow(new RegExp(`^CRD file ${work}/bomb/crd\\.yaml: document 1 contains excessive aliasing`));
      expect(() => crdsIn('broken', 'kind: [\n').validate([monitor()])).toThrow(new RegExp(`^CRD file ${work}/broken/crd\\.yaml: not valid YAML: `));
      expect(() => crdsIn('no-spec', 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {group: 1}\n').validate([monitor()]))
        .toThrow(`CRD file ${work}/no-spec/crd.yaml: document 1 is a CustomResourceDefinition without spec.group, spec.names.kind and a list of spec.versions`);
      fs.mkdirSync(path.join(work, 'loop'));
      fs.symlinkSync('.', path.join(work, 'loop', 'self'));
      fs.copyFileSync(path.join(CRDS, 'prometheus-operator', 'monitoring.coreos.com_servicemonitors.yaml'), path.join(work, 'loop', 'monitors.yaml'));
      expect(SchemaValidator.forKubernetes127({ crds: [path.join(work, 'loop')] }).validate([monitor()])).toEqual([]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
