import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The compiled validators kept on disk (src/cache/) must answer exactly as freshly compiled
// ones, and must never be reused for other inputs.

const ROOT = path.resolve(__dirname, '..', '..');
const DEFINITIONS = path.join(ROOT, 'schemas', 'k8s-1.27.0', '_definitions.json');
const CRDS = path.join(ROOT, 'test', 'crds');

type Violation = import('./schema-validator').SchemaViolation;

/**
 * The violations a SchemaValidator from a fresh copy of the modules (nothing kept in memory)
 * finds, with $K8S_CHECKS_CACHE_DIR; with `ajvLoadable` false, compiling anything fails.
 */
function freshValidator(definitions = DEFINITIONS, crds = CRDS, ajvLoadable = true): { validate(m: unknown[]): Violation[] } {
  return {
    validate(manifests) {
      let violations: Violation[] = [];
      jest.isolateModules(() => {
        if (!ajvLoadable) jest.doMock('ajv', () => { throw new Error('ajv was loaded: a validator was compiled instead of read from disk'); });
        const { SchemaValidator } = require('./schema-validator') as typeof import('./schema-validator');
        violations = new SchemaValidator(definitions, [crds]).validate(manifests as never[]);
      });
      if (!ajvLoadable) jest.dontMock('ajv');
      return violations;
    },
  };
}

const invalid = (): any[] => [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 ** 31, selector: {}, template: { spec: { containers: [{ name: 'c', image: 'x:1', imagePullPolicy: 'Sometimes', extra: 1 }] } } } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { key: 'not base64!' } },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'm' }, spec: { addPrefix: { prefix: 'site' } } },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { groups: [{ name: 'g', partial_response_strategy: 'drop', rules: [] }] } },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 's', issuerRef: { name: 'i' }, privateKey: { algorithm: 'DSA' } } },
];

describe('compiled validators kept on disk', () => {
  let work: string;
  const saved = process.env.K8S_CHECKS_CACHE_DIR;
  /** A cache filled by one compiling run, which each test starts from (a copy), and what that run reported. */
  let primed: string;
  let compiled: Violation[];
  beforeAll(() => {
    primed = fs.mkdtempSync(path.join(os.tmpdir(), 'cached-ajv-primed-'));
    process.env.K8S_CHECKS_CACHE_DIR = primed;
    compiled = freshValidator().validate(invalid());
  });
  afterAll(() => fs.rmSync(primed, { recursive: true, force: true }));
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cached-ajv-'));
    process.env.K8S_CHECKS_CACHE_DIR = path.join(work, 'cache');
    fs.cpSync(primed, process.env.K8S_CHECKS_CACHE_DIR, { recursive: true });
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.K8S_CHECKS_CACHE_DIR; else process.env.K8S_CHECKS_CACHE_DIR = saved;
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a later run reads them without loading ajv, and reports exactly what the compiling run reported', () => {
    const entries = fs.readdirSync(path.join(process.env.K8S_CHECKS_CACHE_DIR!, 'artifacts'));
    expect(entries.filter((e) => e.endsWith('.js')).length).toBeGreaterThanOrEqual(5);
    const loaded = freshValidator(DEFINITIONS, CRDS, false).validate(invalid());
    expect(loaded).toEqual(compiled);
    // Formats, Go patterns and CEL rules all survive the trip to disk.
    expect(loaded).toEqual(expect.arrayContaining([
      expect.objectContaining({ object: 'Deployment/web', path: '/spec/replicas', message: 'must match format "int32"' }),
      expect.objectContaining({ object: 'Secret/s', path: '/data/key', message: 'must match format "byte"' }),
      expect.objectContaining({ object: 'Middleware.traefik.io/m', path: '/spec/addPrefix/prefix', message: "must start with a '/'" }),
      expect.objectContaining({ object: 'PrometheusRule.monitoring.coreos.com/r', path: '/spec/groups/0/partial_response_strategy', message: expect.stringMatching(/must match pattern/) }),
      expect.objectContaining({ object: 'Certificate.cert-manager.io/c', path: '/spec/privateKey/algorithm' }),
    ]));
  });

  test('changed definitions are compiled anew, not answered from the cache', () => {
    // A copy of the definitions in which DeploymentSpec has no `replicas`.
    const doc = JSON.parse(fs.readFileSync(DEFINITIONS, 'utf8'));
    delete doc.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.replicas;
    const changed = path.join(work, '_definitions.json');
    fs.writeFileSync(changed, JSON.stringify(doc));
    const messages = freshValidator(changed).validate(invalid()).map((v) => `${v.path}: ${v.message}`);
    expect(messages).toContain('/spec: unknown field "replicas"');
    // ...and the original still answers from its own entries.
    expect(freshValidator(DEFINITIONS, CRDS, false).validate(invalid()).map((v) => v.message))
      .toContain('must match format "int32"');
  });

  test('a changed CRD is read and compiled anew', () => {
    const crds = path.join(work, 'crds');
    fs.cpSync(CRDS, crds, { recursive: true });
    const file = path.join(crds, 'traefik', 'traefik.io_middlewares.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("must start with a '/'", 'needs a leading slash'));
    const messages = freshValidator(DEFINITIONS, crds).validate(invalid()).map((v) => v.message);
    expect(messages).toContain('needs a leading slash');
    expect(messages).not.toContain("must start with a '/'");
  });
});
