import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { useFakeCluster } from './support/fake-cluster';

// The fake API server (support/fake-apiserver.js) is strict where the deploy depends on it: this
// checks it against what the real kubectl 1.27 expects of an API server: field ownership per
// manager, removal of fields a manager stops applying, conflicts, kinds served only with their
// CRD, and a keep-alive that never closes a connection a client is about to reuse.
jest.setTimeout(120000);

const cluster = useFakeCluster();
beforeEach(async () => {
  await cluster().reset();
  cluster().kubectlRun(['create', 'namespace', 'fields']);
});

function applyAs(manager: string, data: Record<string, string>, extra: string[] = []) {
  const file = path.join(cluster().work, `${manager}.json`);
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'fields' }, data }));
  return cluster().kubectlTry(['apply', '--server-side', `--field-manager=${manager}`, ...extra, '-f', file]);
}
const settings = async () => (await cluster().find('ConfigMap', 'settings'))!;
const owned = async () => Object.fromEntries((await settings()).metadata.managedFields!.map((m: any) => [`${m.manager}/${m.operation}`, m.fieldsV1]));

test('server-side apply keeps managedFields per field manager, as fieldsV1', async () => {
  expect(applyAs('alice', { a: '1', b: '2' }).status).toBe(0);
  expect(applyAs('bob', { c: '3' }).status).toBe(0);
  expect((await settings()).data).toEqual({ a: '1', b: '2', c: '3' });
  expect(await owned()).toEqual({ 'alice/Apply': { 'f:data': { 'f:a': {}, 'f:b': {} } }, 'bob/Apply': { 'f:data': { 'f:c': {} } } });
  // kubectl shows them as a real server's.
  const shown = JSON.parse(cluster().kubectlRun(['get', 'configmap', 'settings', '-n', 'fields', '-o', 'json', '--show-managed-fields']));
  expect(shown.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.fieldsType, m.apiVersion])).toEqual([
    ['alice', 'Apply', 'FieldsV1', 'v1'], ['bob', 'Apply', 'FieldsV1', 'v1']]);
});

test('a field a manager stops applying is removed, unless another manager owns it', async () => {
  applyAs('alice', { a: '1', b: '2', c: '3' });
  applyAs('bob', { c: '3' }); // the same value: shared ownership, no conflict
  expect(applyAs('alice', { a: '1' }).status).toBe(0);
  expect((await settings()).data).toEqual({ a: '1', c: '3' });
  expect(await owned()).toEqual({ 'alice/Apply': { 'f:data': { 'f:a': {} } }, 'bob/Apply': { 'f:data': { 'f:c': {} } } });
  // Keyed lists too: a container's env var dropped from the apply goes.
  const deployment = (env: Array<{ name: string; value: string }>) => {
    const file = path.join(cluster().work, 'deployment.json');
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'fields' }, spec: {
      replicas: 1, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', env }] } } } }));
    expect(cluster().kubectlTry(['apply', '--server-side', '--field-manager=alice', '-f', file]).status).toBe(0);
  };
  deployment([{ name: 'LEGACY', value: '1' }, { name: 'MODE', value: 'x' }]);
  deployment([{ name: 'MODE', value: 'x' }]);
  expect((await cluster().find('Deployment', 'web'))!.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'x' }]);
});

test('an apply that changes another manager\'s field is a conflict, unless forced', async () => {
  applyAs('alice', { a: '1' });
  const refused = applyAs('bob', { a: '2' });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('error: Apply failed with 1 conflict: conflict with "alice": .data.a');
  expect(refused.stderr).toContain('--force-conflicts');
  expect((await settings()).data).toEqual({ a: '1' });
  expect(applyAs('bob', { a: '2' }, ['--force-conflicts']).status).toBe(0);
  expect((await settings()).data).toEqual({ a: '2' });
  expect(await owned()).toEqual({ 'bob/Apply': { 'f:data': { 'f:a': {} } } });
});

test('writes that are not applies belong to their manager, or to the User-Agent\'s first word (kubectl rollout undo sends none)', async () => {
  applyAs('alice', { a: '1' });
  cluster().kubectlRun(['patch', 'configmap', 'settings', '-n', 'fields', '--type=merge', '-p', '{"data":{"a":"9"}}']);
  expect(await owned()).toEqual({ 'kubectl-patch/Update': { 'f:data': { 'f:a': {} } } });
  const res = await fetch(`${cluster().url}/api/v1/namespaces/fields/configmaps/settings`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json', 'User-Agent': 'kubectl/v1.27.1 (linux/amd64) kubernetes/4c94112' },
    body: JSON.stringify({ data: { z: '0' } }),
  });
  expect(res.status).toBe(200);
  expect(await owned()).toEqual({ 'kubectl-patch/Update': { 'f:data': { 'f:a': {} } }, 'kubectl/Update': { 'f:data': { 'f:z': {} } } });
});

test('a custom kind is served only while its CRD is stored and Established: kubectl refuses it otherwise', async () => {
  const route = path.join(cluster().work, 'route.json');
  fs.writeFileSync(route, JSON.stringify({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'web', namespace: 'fields' }, spec: { routes: [] } }));
  const refused = cluster().kubectlTry(['apply', '--server-side', '-f', route]);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('no matches for kind "IngressRoute" in version "traefik.io/v1alpha1"');
  expect((await fetch(`${cluster().url}/apis/traefik.io/v1alpha1`)).status).toBe(404);
  cluster().installCrds('traefik');
  expect(cluster().kubectlTry(['apply', '--server-side', '-f', route]).status).toBe(0);
  const crd = (await cluster().find('CustomResourceDefinition', 'ingressroutes.traefik.io'))!;
  expect(crd.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
  cluster().kubectlRun(['delete', 'customresourcedefinitions.apiextensions.k8s.io', 'ingressroutes.traefik.io']);
  expect((await fetch(`${cluster().url}/apis/traefik.io/v1alpha1/namespaces/fields/ingressroutes/web`)).status).toBe(404);
  expect(await cluster().find('IngressRoute', 'web')).toBeUndefined();
});

test('keep-alive: the server announces a longer idle timeout than its clients keep, and a connection idle longer than node\'s 5 s default is still served', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () => new Promise<{ status: number; keepAlive: string | undefined; port: number }>((resolve, reject) => {
    http.get(`${cluster().url}/version`, { agent }, (res) => {
      const port = res.socket.localPort!;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, keepAlive: res.headers['keep-alive'] as string | undefined, port }));
    }).on('error', reject);
  });
  // A Node server with the default keep-alive timeout, beside it: once it has closed its idle
  // connection, made after the fake's, the fake's has been idle longer than that default.
  const reference = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
  const referenceAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get();
    expect(first.keepAlive).toBe('timeout=120');
    const referenceClosed = await new Promise<Promise<void>>((resolve, reject) => {
      http.get(`http://127.0.0.1:${(reference.address() as AddressInfo).port}/`, { agent: referenceAgent }, (res) => {
        const closed = new Promise<void>((r) => res.socket.once('close', () => r()));
        res.resume();
        res.on('end', () => resolve(closed));
      }).on('error', reject);
    });
    await referenceClosed;
    const second = await get();
    expect(second.status).toBe(200);
    expect(second.port).toBe(first.port); // the same connection
  } finally {
    agent.destroy();
    referenceAgent.destroy();
    reference.close();
  }
});
