// The plugins run by the cdk8s CLI's own ValidationContext and ValidationReport (cdk8s-cli,
// lib/plugins/validation.js): what the CLI records and prints is what these tests read.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { compliantManifests, container, find } from '../../test/policy/test-fixtures';
import { PolicyValidation } from './policy-validation';
import { SchemaValidation } from './schema-validation';

// cdk8s-cli's package "exports" hide lib/*: its modules are loaded by file path.
const CLI = path.dirname(require.resolve('cdk8s-cli/package.json'));
const { ValidationContext } = require(path.join(CLI, 'lib', 'plugins', 'validation.js'));
const CRDS = path.join(__dirname, '..', '..', 'test', 'crds');

let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-plugins-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function manifest(name: string, objects: unknown[]): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
  return file;
}

async function run(plugin: { validate(c: any): Promise<void> }, files: string[], metadata: Record<string, { path: string }> = {}) {
  const context = new ValidationContext(files, 'k8s-checks', '1.0.0', metadata, false);
  await plugin.validate(context);
  return context.report;
}

describe('PolicyValidation through the CLI\'s context', () => {
  test('a compliant set of objects passes, with its counts', async () => {
    const m = compliantManifests({ hpa: true });
    const report = await run(new PolicyValidation(), [manifest('a.yaml', m.slice(0, 3)), manifest('b.yaml', m.slice(3))]);
    expect(report.success).toBe(true);
    expect(report.toJson().summary.metadata).toEqual({ checks: 'Pod Security restricted (v1.27), kube-score, kube-linter, Polaris', objects: String(m.length), findings: '0', rules: '0', exemptions: '1' });
  });

  test('objects in several files are checked together (cross-object rules), one violation per rule', async () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const deploymentFile = manifest('deploy.yaml', [find(m, 'Deployment')]);
    const report = await run(new PolicyValidation(), [deploymentFile, manifest('rest.yaml', m.filter((o) => o.kind !== 'Deployment'))]);
    expect(report.success).toBe(false);
    const json = report.toJson();
    // Only the privileged container is wrong: the PDB, NetworkPolicy and Service in the other file select its pods.
    expect(json.violations.map((v: any) => v.ruleName)).toEqual([
      'kube-linter/privilege-escalation-container [error]',
      'kube-linter/privileged-container [error]',
      'pod-security/privileged [error]',
      'kube-score/container-security-context-privileged [critical]',
      'polaris/runAsPrivileged [danger]',
    ]);
    const polaris = json.violations.find((v: any) => v.ruleName === 'polaris/runAsPrivileged [danger]');
    expect(polaris).toEqual({
      ruleName: 'polaris/runAsPrivileged [danger]',
      recommendation: 'Should not be running as privileged (container "web"): securityContext.privileged=true [danger]',
      fix: 'Set securityContext.privileged: false.',
      violatingConstructs: [{
        resourceName: 'Deployment/mincloud/web',
        locations: ['spec.template.spec.containers[0].securityContext.privileged'],
        manifestPath: deploymentFile,
        constructPath: undefined,
      }],
    });
    expect(json.summary.metadata).toEqual({ checks: 'Pod Security restricted (v1.27), kube-score, kube-linter, Polaris', objects: '6', findings: '5', rules: '5', exemptions: '0' });
    expect(report.toString()).toContain('polaris/runAsPrivileged [danger] (1 occurrences)');
  });

  test('the construct path: under the unique key, else under the plain name (as cdk8s records it), else none', async () => {
    const m: any[] = compliantManifests();
    find(m, 'Service').spec.type = 'NodePort';
    const file = manifest('all.yaml', m);
    const constructOf = async (metadata: Record<string, { path: string }>) => {
      const json = (await run(new PolicyValidation(), [file], metadata)).toJson();
      return json.violations.find((v: any) => v.ruleName === 'kube-score/service-type [warning]').violatingConstructs[0];
    };
    expect(await constructOf({ 'Service/mincloud/web': { path: 'app/web/Service' }, 'web': { path: 'app/web/Deployment' } }))
      .toMatchObject({ resourceName: 'Service/mincloud/web', constructPath: 'app/web/Service' });
    expect(await constructOf({ web: { path: 'app/web/Deployment' } })).toMatchObject({ resourceName: 'web', constructPath: 'app/web/Deployment' });
    expect(await constructOf({})).toMatchObject({ resourceName: 'Service/mincloud/web', constructPath: undefined });
  });

  test('a cluster-scoped object is named <Kind>/<name>', async () => {
    const m: any[] = compliantManifests();
    m.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'web-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'mincloud' }] });
    const json = (await run(new PolicyValidation(), [manifest('all.yaml', m)])).toJson();
    const names = json.violations.flatMap((v: any) => v.violatingConstructs.map((c: any) => c.resourceName));
    expect(names).toContain('ClusterRoleBinding/web-admin');
  });

  test('properties it does not take are an error naming them', () => {
    expect(() => new PolicyValidation({ crds: ['x'] } as any)).toThrow('k8s-checks PolicyValidation: unknown property "crds" (cdk8s.yaml validations: properties:); it takes "reasonAnnotation"');
  });

  test('the annotation that gives an exemption its reason is a property', async () => {
    const m: any[] = compliantManifests({ hpa: true });
    const annotations = find(m, 'Deployment').metadata.annotations;
    annotations['example.com/why'] = annotations['policy.mincloud.dev/reason'];
    delete annotations['policy.mincloud.dev/reason'];
    const file = manifest('all.yaml', m);
    const own = (await run(new PolicyValidation({ reasonAnnotation: 'example.com/why' }), [file])).toJson();
    expect(own.summary).toMatchObject({ status: 'success', metadata: { findings: '0', exemptions: '1' } });
    const json = (await run(new PolicyValidation(), [file])).toJson();
    expect(json.summary).toMatchObject({ status: 'failure', metadata: { exemptions: '0' } });
    expect(json.violations.find((v: any) => v.ruleName === 'polaris/exemption-without-reason [warning]').fix)
      .toBe('Add the annotation policy.mincloud.dev/reason: "polaris deploymentMissingReplicas: <why this is deliberate>" beside it (metadata.annotations).');
    find(m, 'Deployment').metadata.annotations['example.com/why'] = 5;
    const notAString = (await run(new PolicyValidation({ reasonAnnotation: 'example.com/why' }), [manifest('number.yaml', m)])).toJson();
    expect(notAString.summary).toMatchObject({ status: 'success', metadata: { exemptions: '1' } }); // the schema check reports the number
    expect(() => new PolicyValidation({ reasonAnnotation: 'Why?' })).toThrow('k8s-checks PolicyValidation: properties.reasonAnnotation must be an annotation key such as "example.com/reason" (an optional DNS subdomain and "/", then up to 63 letters, digits, "-", "_" or "."), got "Why?"');
  });
});

describe('SchemaValidation through the CLI\'s context', () => {
  const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'mincloud' }, spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] } };

  test('valid objects and custom resources with their CRDs pass', async () => {
    const report = await run(new SchemaValidation({ crds: [CRDS] }), [manifest('all.yaml', [...compliantManifests(), monitor])]);
    expect(report.success).toBe(true);
    expect(report.toJson().summary.metadata).toEqual({ checks: 'Kubernetes 1.27 schema (strict), custom resources against their CRDs', objects: '7', findings: '0', rules: '0', exemptions: '0' });
  });

  test('violations per rule, with the field paths, the object and its file', async () => {
    const m: any[] = compliantManifests();
    find(m, 'Deployment').spec.replica = 2;
    find(m, 'Service').spec.type = 'NodePrt';
    const file = manifest('all.yaml', [...m, monitor]);
    const json = (await run(new SchemaValidation(), [file])).toJson();
    expect(json.violations.map((v: any) => v.ruleName)).toEqual(['schema/allowed-values [error]', 'schema/unknown-field [error]', 'schema/unknown-kind [error]']);
    expect(json.violations[1]).toEqual({
      ruleName: 'schema/unknown-field [error]',
      recommendation: 'unknown field "replica"',
      fix: 'Remove the field, or correct its name as the Kubernetes 1.27 API (or the CRD) spells it.',
      violatingConstructs: [{ resourceName: 'Deployment/mincloud/web', locations: ['/spec'], manifestPath: file, constructPath: undefined }],
    });
    expect(json.violations[2].violatingConstructs[0].resourceName).toBe('ServiceMonitor.monitoring.coreos.com/mincloud/web');
    expect(json.summary).toMatchObject({ status: 'failure', metadata: { objects: '7', findings: '3', rules: '3', exemptions: '0' } });
  });

  test('CRD paths are checked when the plugin is constructed', () => {
    expect(() => new SchemaValidation({ crds: [path.join(work, 'missing')] })).toThrow(/CRD path .*missing does not exist/);
    expect(() => new SchemaValidation({ crds: 'crds' } as any)).toThrow('k8s-checks SchemaValidation: properties.crds must be a list of CRD files or folders, got "crds"');
  });
});
