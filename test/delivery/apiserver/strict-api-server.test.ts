import * as fs from 'fs';
import * as path from 'path';
import { FakeCluster, useFakeCluster } from '../support/fake-cluster';

// The test API server (support/fake-apiserver.js) refuses what the real 1.27 API server refuses,
// with its codes and messages, so that a client that depends on a refusal is tested against one:
// field validation, required and allowed values, immutable fields, optimistic concurrency, size
// limits, namespace lifecycle, identity, subresources, watch semantics, deletion.
jest.setTimeout(120000);

const cluster = useFakeCluster();
beforeEach(async () => {
  await cluster().reset();
  cluster().kubectlRun(['create', 'namespace', 'strict']);
});

interface Answer { code: number; body: any; warning: string | null }
async function api(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${cluster().url}${p}`, {
    method, headers: { 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await res.text();
  return { code: res.status, body: text ? JSON.parse(text) : undefined, warning: res.headers.get('warning') };
}
const DEPLOYMENTS = '/apis/apps/v1/namespaces/strict/deployments';
const deployment = (spec: Record<string, unknown> = {}, name = 'web') => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'strict' },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } }, ...spec },
});
const configMap = (name: string, data: Record<string, string>, meta: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...meta }, data });
/** Polls until `check` holds (or the deadline passes) and returns its last value. */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!check(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}

test('fieldValidation=Strict refuses an unknown field (400 naming it), Warn (the default) drops it with a Warning, Ignore drops it silently; kubectl 1.27 asks for Strict', async () => {
  const typo = deployment({ replicaz: 3 });
  const strict = await api('POST', `${DEPLOYMENTS}?fieldValidation=Strict`, typo);
  expect(strict.code).toBe(400);
  expect(strict.body).toEqual(expect.objectContaining({ reason: 'BadRequest',
    message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicaz"' }));
  const warned = await api('POST', DEPLOYMENTS, typo);
  expect(warned.code).toBe(201);
  expect(warned.warning).toBe('299 - "unknown field \\"spec.replicaz\\""');
  expect(warned.body.spec).not.toHaveProperty('replicaz');
  const ignored = await api('POST', `${DEPLOYMENTS}?fieldValidation=Ignore`, deployment({ replicaz: 3 }, 'other'));
  expect([ignored.code, ignored.warning, ignored.body.spec.replicaz]).toEqual([201, null, undefined]);
  const file = path.join(cluster().work, 'typo.json');
  fs.writeFileSync(file, JSON.stringify({ ...configMap('typo', { a: '1' }, { namespace: 'strict', labelz: {} }) }));
  const applied = cluster().kubectlTry(['apply', '-f', file]);
  expect(applied.status).toBe(1);
  expect(applied.stderr).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz"');
});

test('a value of the wrong type is refused: 400 from the JSON decoder, naming the Go field; a server-side apply with an unknown or wrongly typed field fails whatever fieldValidation says (500, as 1.27 answers)', async () => {
  const typed = await api('POST', DEPLOYMENTS, deployment({ replicas: 'three' }));
  expect(typed.code).toBe(400);
  expect(typed.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  const apply = await api('PATCH', `${DEPLOYMENTS}/web?fieldManager=test&fieldValidation=Ignore`, deployment({ replicaz: 3 }), 'application/apply-patch+yaml');
  expect(apply.code).toBe(500);
  expect(apply.body.message).toBe('failed to create typed patch object (strict/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema');
  expect((await api('GET', `${DEPLOYMENTS}/web`)).code).toBe(404);
});

test('required fields and allowed values are checked on the object to be stored: 422 Invalid with a cause per field', async () => {
  const noSelector = deployment();
  delete (noSelector.spec as Record<string, unknown>).selector;
  const missing = await api('POST', DEPLOYMENTS, noSelector);
  expect(missing.code).toBe(422);
  expect(missing.body.message).toBe('Deployment.apps "web" is invalid: spec.selector: Required value');
  expect(missing.body.details).toEqual({ name: 'web', group: 'apps', kind: 'Deployment', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }] });
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePrt', ports: [{ port: 80 }] } };
  const unsupported = await api('POST', '/api/v1/namespaces/strict/services', service);
  expect(unsupported.code).toBe(422);
  expect(unsupported.body.message).toBe('Service "web" is invalid: spec.type: Unsupported value: "NodePrt": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"');
  const mismatch = await api('POST', DEPLOYMENTS, deployment({ selector: { matchLabels: { app: 'other' } } }));
  expect(mismatch.code).toBe(422);
  expect(mismatch.body.message).toBe('Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`');
});

test('a custom kind is checked against its CRD\'s schema: an unknown field is refused with Strict (400) and pruned otherwise, a wrongly typed value is 422', async () => {
  cluster().installCrds('traefik');
  const ROUTES = '/apis/traefik.io/v1alpha1/namespaces/strict/ingressroutes';
  const route = (spec: Record<string, unknown>) => ({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'web' }, spec });
  const routes = [{ match: 'Host(`example.com`)', kind: 'Rule', services: [{ name: 'web', port: 80 }] }];
  const strict = await api('POST', `${ROUTES}?fieldValidation=Strict`, route({ routes, tlz: {} }));
  expect(strict.code).toBe(400);
  expect(strict.body.message).toBe('IngressRoute in version "v1alpha1" cannot be handled as a IngressRoute: strict decoding error: unknown field "spec.tlz"');
  const typed = await api('POST', ROUTES, route({ routes: 'all' }));
  expect(typed.code).toBe(422);
  expect(typed.body.message).toBe('IngressRoute.traefik.io "web" is invalid: spec.routes: Invalid value: "all": spec.routes in body must be of type array: "string"');
  const pruned = await api('POST', ROUTES, route({ routes, tlz: {} }));
  expect(pruned.code).toBe(201);
  expect(Object.keys(pruned.body.spec)).toEqual(['routes']);
});

test('immutable fields: a Deployment\'s selector and a Service\'s cluster IP cannot change once set (422)', async () => {
  expect((await api('POST', DEPLOYMENTS, deployment())).code).toBe(201);
  const moved = deployment({ selector: { matchLabels: { app: 'other' } } });
  (moved.spec.template as any).metadata.labels = { app: 'other' };
  const changed = await api('PUT', `${DEPLOYMENTS}/web`, moved);
  expect(changed.code).toBe(422);
  expect(changed.body.message).toBe('Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  const created = await api('POST', '/api/v1/namespaces/strict/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  expect(created.body.spec).toEqual(expect.objectContaining({ type: 'ClusterIP', clusterIP: expect.stringMatching(/^10\.96\./), clusterIPs: [created.body.spec.clusterIP] }));
  const patched = await api('PATCH', '/api/v1/namespaces/strict/services/web', { spec: { clusterIP: '10.96.200.200' } }, 'application/merge-patch+json');
  expect(patched.code).toBe(422);
  expect(patched.body.message).toBe('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.200.200"}: may not change once set');
  // Left out of an update, the cluster IP stays.
  const kept = await api('PUT', '/api/v1/namespaces/strict/services/web', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 81 }] } });
  expect([kept.code, kept.body.spec.clusterIP]).toEqual([200, created.body.spec.clusterIP]);
});

test('optimistic concurrency: an update with a stale resourceVersion is 409 Conflict; a PUT of a missing object is 404 and creates nothing', async () => {
  const created = (await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('settings', { a: '1' }))).body;
  const first = await api('PUT', '/api/v1/namespaces/strict/configmaps/settings', { ...created, data: { a: '2' } });
  expect(first.code).toBe(200);
  const stale = await api('PUT', '/api/v1/namespaces/strict/configmaps/settings', { ...created, data: { a: '3' } });
  expect(stale.code).toBe(409);
  expect(stale.body).toEqual(expect.objectContaining({ reason: 'Conflict',
    message: 'Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again',
    details: { name: 'settings', group: '', kind: 'configmaps' } }));
  const stalePatch = await api('PATCH', '/api/v1/namespaces/strict/configmaps/settings', { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { a: '4' } }, 'application/merge-patch+json');
  expect(stalePatch.code).toBe(409);
  const missing = await api('PUT', '/api/v1/namespaces/strict/configmaps/nothing', configMap('nothing', { a: '1' }));
  expect([missing.code, missing.body.message]).toEqual([404, 'configmaps "nothing" not found']);
  expect((await api('GET', '/api/v1/namespaces/strict/configmaps/nothing')).code).toBe(404);
});

test('size limits: a request body over 3 MiB is 413; Secret data over 1 MiB and annotations over 256 KiB are 422', async () => {
  const huge = await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('huge', { a: 'x'.repeat(3 * 1024 * 1024) }));
  expect(huge.code).toBe(413);
  expect(huge.body).toEqual(expect.objectContaining({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' }));
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'big' }, data: { blob: Buffer.alloc(1024 * 1024 + 1).toString('base64') } };
  const big = await api('POST', '/api/v1/namespaces/strict/secrets', secret);
  expect(big.code).toBe(422);
  expect(big.body.message).toBe('Secret "big" is invalid: data: Too long: must have at most 1048576 bytes');
  const exact = await api('POST', '/api/v1/namespaces/strict/secrets', { ...secret, data: { blob: Buffer.alloc(1024 * 1024).toString('base64') } });
  expect(exact.code).toBe(201);
  const annotated = await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('noted', {}, { annotations: { note: 'x'.repeat(256 * 1024) } }));
  expect(annotated.code).toBe(422);
  expect(annotated.body.message).toBe('ConfigMap "noted" is invalid: metadata.annotations: Too long: must have at most 262144 bytes');
});

test('a namespace being deleted is Terminating, refuses new objects (403) and stays while content with finalizers remains; default and kube-system may not be deleted', async () => {
  await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('held', { a: '1' }, { finalizers: ['example.com/hold'] }));
  const deleting = await api('DELETE', '/api/v1/namespaces/strict');
  expect([deleting.code, deleting.body.status.phase]).toEqual([200, 'Terminating']);
  const late = await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('late', {}));
  expect(late.code).toBe(403);
  expect(late.body).toEqual(expect.objectContaining({ reason: 'Forbidden',
    message: 'configmaps "late" is forbidden: unable to create new content in namespace strict because it is being terminated',
    details: { name: 'late', group: '', kind: 'configmaps', causes: [{ type: 'NamespaceTerminating', message: 'namespace strict is being terminated', field: 'metadata.namespace' }] } }));
  const ns = await until(() => cluster().find('Namespace', 'strict'), (n) => (n?.status.conditions ?? []).some((c: any) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True'));
  expect(ns!.status.phase).toBe('Terminating');
  expect((await cluster().find('ConfigMap', 'held'))!.metadata).toHaveProperty('deletionTimestamp');
  expect((await api('PATCH', '/api/v1/namespaces/strict/configmaps/held', { metadata: { finalizers: null } }, 'application/merge-patch+json')).code).toBe(200);
  expect(await until(() => cluster().find('Namespace', 'strict'), (n) => n === undefined)).toBeUndefined();
  for (const name of ['default', 'kube-system']) {
    const refused = await api('DELETE', `/api/v1/namespaces/${name}`);
    expect([refused.code, refused.body.message]).toEqual([403, `namespaces "${name}" is forbidden: this namespace may not be deleted`]);
  }
});

test('a new cluster has the default and kube-system namespaces; kube-system\'s UID, the cluster\'s identity, is the same through every context and after a reset, and another server\'s differs', async () => {
  const uid = (context: string) => cluster().kubectlRun(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'], context);
  const first = uid('kubernetes-admin@kubernetes');
  expect(first).toMatch(/^[0-9a-f-]{36}$/);
  expect(uid('prod-eu')).toBe(first);
  expect(cluster().kubectlTry(['create', 'configmap', 'here', '-n', 'default']).status).toBe(0);
  await cluster().reset();
  expect(uid('prod-us')).toBe(first);
  const other = await FakeCluster.start();
  try {
    expect(other.kubectlRun(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'])).not.toBe(first);
  } finally {
    await other.stop();
    process.env.KUBECONFIG = cluster().kubeconfig;
    process.env.KUBECACHEDIR = path.join(cluster().work, 'kube-cache');
  }
});

test('a namespace\'s /status and /finalize are its subresources: /finalize removes the finalizer the namespace controller waits for', async () => {
  const status = await api('GET', '/api/v1/namespaces/strict/status');
  expect([status.code, status.body.kind, status.body.spec.finalizers]).toEqual([200, 'Namespace', ['kubernetes']]);
  const finalized = await api('PUT', '/api/v1/namespaces/strict/finalize', { ...status.body, spec: { finalizers: [] } });
  expect([finalized.code, finalized.body.spec.finalizers]).toEqual([200, []]);
});

test('a body whose namespace or name differs from the URL\'s is 400', async () => {
  const ns = await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('a', {}, { namespace: 'default' }));
  expect([ns.code, ns.body.message]).toEqual([400, 'the namespace of the provided object does not match the namespace sent on the request']);
  await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('a', {}));
  const name = await api('PUT', '/api/v1/namespaces/strict/configmaps/a', configMap('b', {}));
  expect([name.code, name.body.message]).toEqual([400, 'the name of the object (b) does not match the name on the URL (a)']);
});

test('/status and /scale: a write to an object keeps its status, a write to /status changes only the status, /scale reads and sets the replicas (kubectl scale)', async () => {
  expect((await api('POST', DEPLOYMENTS, deployment())).code).toBe(201);
  const ready = await until(() => api('GET', `${DEPLOYMENTS}/web`), (a) => a.body.status?.availableReplicas === 2);
  const withStatus = await api('PUT', `${DEPLOYMENTS}/web`, { ...ready.body, status: { replicas: 99 } });
  expect(withStatus.body.status.replicas).toBe(2);
  const status = await api('PATCH', `${DEPLOYMENTS}/web/status`, { spec: { replicas: 7 }, status: { observedGeneration: 42 } }, 'application/merge-patch+json');
  expect([status.code, status.body.spec.replicas, status.body.status.observedGeneration, status.body.metadata.generation]).toEqual([200, 2, 42, ready.body.metadata.generation]);
  const scale = await api('GET', `${DEPLOYMENTS}/web/scale`);
  expect(scale.body).toEqual(expect.objectContaining({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=web' } }));
  expect(cluster().kubectlTry(['scale', 'deployment', 'web', '-n', 'strict', '--replicas=3']).status).toBe(0);
  expect((await api('GET', `${DEPLOYMENTS}/web`)).body.spec.replicas).toBe(3);
  const negative = await api('PATCH', `${DEPLOYMENTS}/web/scale`, { spec: { replicas: -1 } }, 'application/merge-patch+json');
  expect([negative.code, negative.body.message]).toEqual([422, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
});

test('watch: with no resourceVersion it starts with the current objects, from one it replays what followed, from one older than the event log it is 410 Expired; a streaming list is refused as 1.27 refuses it', async () => {
  const watch = async (query: string) => (await (await fetch(`${cluster().url}/api/v1/namespaces/strict/configmaps?watch=true&timeoutSeconds=1${query}`)).text())
    .trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const a = (await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('a', {}))).body;
  await api('POST', '/api/v1/namespaces/strict/configmaps', configMap('b', {}));
  expect((await watch('')).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b']);
  expect((await watch(`&resourceVersion=${a.metadata.resourceVersion}`)).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b']);
  const expired = await watch('&resourceVersion=1');
  expect(expired).toEqual([{ type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired', message: expect.stringMatching(/^too old resource version: 1 \(\d+\)$/) }) }]);
  const streaming = await api('GET', '/api/v1/namespaces/strict/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
  expect([streaming.code, streaming.body.message]).toEqual([422,
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled']);
  // With the gate on: the current objects, then a BOOKMARK marking their end; BOOKMARKs at the pace asked for.
  await cluster().control({ watchList: true, bookmarkSeconds: 0.3 });
  const events = await watch('&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
  expect(events.slice(0, 3).map((e) => `${e.type} ${e.object.metadata.name ?? e.object.metadata.annotations['k8s.io/initial-events-end']}`)).toEqual(['ADDED a', 'ADDED b', 'BOOKMARK true']);
  expect(events.slice(3).map((e) => e.type)).toEqual(expect.arrayContaining(['BOOKMARK']));
  expect(new Set(events.slice(3).map((e) => e.type))).toEqual(new Set(['BOOKMARK']));
});

test('DELETE: a stale precondition is 409; Background deletes what the object owns, Orphan leaves it', async () => {
  const created = (await api('POST', DEPLOYMENTS, deployment())).body;
  const stale = await api('DELETE', `${DEPLOYMENTS}/web`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } });
  expect([stale.code, stale.body.message]).toEqual([409, `Operation cannot be fulfilled on deployments.apps "web": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${created.metadata.uid}`]);
  const replicaSets = async () => (await cluster().objects()).filter((o) => o.kind === 'ReplicaSet').map((o) => o.metadata.name.split('-')[0]);
  expect(await replicaSets()).toEqual(['web']);
  expect((await api('DELETE', `${DEPLOYMENTS}/web`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' })).code).toBe(200);
  expect(await replicaSets()).toEqual(['web']);
  expect((await cluster().objects()).find((o) => o.kind === 'ReplicaSet')!.metadata).not.toHaveProperty('ownerReferences');
  await api('POST', DEPLOYMENTS, deployment({}, 'api'));
  expect((await api('DELETE', `${DEPLOYMENTS}/api?propagationPolicy=Background`)).code).toBe(200);
  expect(await replicaSets()).toEqual(['web']);
});

test('a Secret sent as protobuf (application/vnd.kubernetes.protobuf, as helm 4 sends it) is read; a body that is not the protobuf envelope is 415', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { encode } = require('../support/apiserver/protobuf');
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.dev.v1', labels: { owner: 'helm', name: 'dev', status: 'deployed', version: '1' } },
    type: 'helm.sh/release.v1', data: { release: Buffer.from('H4sI').toString('base64') } };
  const stored = await api('POST', '/api/v1/namespaces/strict/secrets', encode(secret), 'application/vnd.kubernetes.protobuf');
  expect(stored.code).toBe(201);
  expect(stored.body).toEqual(expect.objectContaining({ type: 'helm.sh/release.v1', data: secret.data }));
  expect(stored.body.metadata.labels).toEqual(secret.metadata.labels);
  const listed = await api('GET', '/api/v1/namespaces/strict/secrets?labelSelector=owner%3Dhelm,name%3Ddev,status%20in%20(deployed,superseded)');
  expect(listed.body.items.map((s: any) => s.metadata.name)).toEqual(['sh.helm.release.v1.dev.v1']);
  const garbage = await api('POST', '/api/v1/namespaces/strict/secrets', '{"not":"protobuf"}', 'application/vnd.kubernetes.protobuf');
  expect(garbage.code).toBe(415);
});
