#!/usr/bin/env node
// FAKE KUBERNETES API SERVER, for tests only: just enough of the API for the real kubectl 1.27
// to run the deploy command's calls against it on 127.0.0.1 (discovery, GET/LIST/WATCH,
// server-side apply, JSON and merge patches, DELETE), with the API server behaviour those calls
// depend on: namespaced objects cannot be created (not even in a dry run) in a namespace that
// does not exist; label and field selectors on lists; a Deployment gets a ReplicaSet per pod
// template (revision history for `rollout undo`) and a status that `rollout status` reads.
// It is NOT an API server: no schema validation, no admission, no field ownership (an apply
// merges into the stored object instead of removing fields the manager stopped setting), no
// pods, no controllers beyond that. What it proves is what kubectl sends.
//
// Usage: node fake-apiserver.js   (prints "listening <port>"; port 0 = any free one, or $PORT)
// Env:   FAIL_ROLLOUT_IMAGE  a Deployment whose pods use an image containing this string never
//                            becomes available: ProgressDeadlineExceeded, as a crash loop would.
// Test endpoints: GET /__requests (every request so far), GET /__objects (the store).
'use strict';
const http = require('http');
const crypto = require('crypto');

/** [group, version, resource, Kind, namespaced] */
const RESOURCES = [
  ['', 'v1', 'namespaces', 'Namespace', false],
  ['', 'v1', 'secrets', 'Secret', true],
  ['', 'v1', 'configmaps', 'ConfigMap', true],
  ['', 'v1', 'services', 'Service', true],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true],
  ['apps', 'v1', 'deployments', 'Deployment', true],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true],
  ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true],
  ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true],
  ['autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true],
  ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false],
  ['monitoring.coreos.com', 'v1', 'servicemonitors', 'ServiceMonitor', true],
  ['monitoring.coreos.com', 'v1', 'prometheusrules', 'PrometheusRule', true],
  ['cert-manager.io', 'v1', 'certificates', 'Certificate', true],
  ['traefik.io', 'v1alpha1', 'ingressroutes', 'IngressRoute', true],
  ['traefik.io', 'v1alpha1', 'middlewares', 'Middleware', true],
].map(([group, version, resource, kind, namespaced]) => ({ group, version, resource, kind, namespaced }));

const store = new Map(); // `${group}/${resource}/${namespace}/${name}` -> object
const requests = [];
let resourceVersion = 1;

const gv = (r) => (r.group ? `${r.group}/${r.version}` : r.version);
const key = (r, ns, name) => `${r.group}/${r.resource}/${r.namespaced ? ns : ''}/${name}`;
const clone = (o) => JSON.parse(JSON.stringify(o));
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function send(res, code, body) {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
function status(res, code, reason, message, details = {}) {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}
const notFound = (res, r, name) => status(res, 404, 'NotFound', `${r.resource}${r.group ? `.${r.group}` : ''} "${name}" not found`,
  { name, group: r.group, kind: r.resource });

function discovery(path) {
  if (path === '/version') return { major: '1', minor: '27', gitVersion: 'v1.27.1-fake', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/apis') {
    const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => gv(r)))].map((v) => {
      const [name, version] = v.split('/');
      return { name, versions: [{ groupVersion: v, version }], preferredVersion: { groupVersion: v, version } };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const groupVersion = m[1] ?? `${m[2]}/${m[3]}`;
  const resources = RESOURCES.filter((r) => gv(r) === groupVersion).map((r) => ({
    name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }));
  return resources.length ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources } : undefined;
}

/** `/api/v1/namespaces/ns/services/x` -> { r, ns, name, sub } */
function route(path) {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ?? '';
  const version = m[1] ? m[2] : 'v1';
  let segs = m[3].split('/').filter(Boolean);
  let ns;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    ns = segs[1];
    segs = segs.slice(2);
  }
  const r = RESOURCES.find((x) => x.group === group && x.version === version && x.resource === segs[0]);
  return r ? { r, ns, name: segs[1], sub: segs[2] } : undefined;
}

function matchesLabels(obj, selector) {
  if (!selector) return true;
  const labels = obj.metadata.labels ?? {};
  return selector.split(',').every((term) => {
    let m;
    if ((m = /^([^!=]+)!=(.*)$/.exec(term))) return labels[m[1]] !== m[2];
    if ((m = /^([^=]+)==?(.*)$/.exec(term))) return labels[m[1]] === m[2];
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}
function matchesFields(obj, selector) {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    if (k === 'metadata.name') return obj.metadata.name === v;
    if (k === 'metadata.namespace') return obj.metadata.namespace === v;
    return true;
  });
}

function merge(base, patch) {
  if (!isMap(base) || !isMap(patch)) return clone(patch);
  const out = clone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}
function jsonPatch(obj, ops) {
  const out = clone(obj);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    let at = out;
    for (const p of parts) at = at[p] ?? (at[p] = {});
    if (op.op === 'remove') delete at[last];
    else if (op.op === 'add' || op.op === 'replace') at[last] = op.value;
    else if (op.op === 'test') {
      if (JSON.stringify(at[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
    }
  }
  return out;
}

/** JSON with sorted keys: the same object whatever order its fields came in. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
const templateHash = (t) => crypto.createHash('sha256').update(t).digest('hex').slice(0, 10);
function withoutHash(template) {
  const t = clone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return canonical(t);
}

/** What the Deployment controller would do, at once: a ReplicaSet per template, and a status. */
function reconcileDeployment(d) {
  const ns = d.metadata.namespace;
  const rsResource = RESOURCES.find((x) => x.resource === 'replicasets');
  const owned = [...store.values()].filter((o) => o.kind === 'ReplicaSet' && o.metadata.namespace === ns
    && (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === d.metadata.uid));
  const revisionOf = (rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const next = Math.max(0, ...owned.map(revisionOf)) + 1;
  let current = owned.find((rs) => withoutHash(rs.spec.template) === withoutHash(d.spec.template));
  if (!current) {
    const hash = templateHash(withoutHash(d.spec.template));
    const template = merge(d.spec.template, { metadata: { labels: { 'pod-template-hash': hash } } });
    current = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace: ns, uid: crypto.randomUUID(), labels: template.metadata.labels,
        annotations: { 'deployment.kubernetes.io/revision': String(next) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: d.spec.replicas ?? 1, selector: d.spec.selector, template },
    };
  } else if (revisionOf(current) !== next - 1) {
    current.metadata.annotations['deployment.kubernetes.io/revision'] = String(next);
  }
  current.metadata.resourceVersion = String(++resourceVersion);
  store.set(key(rsResource, ns, current.metadata.name), current);
  d.metadata.annotations = { ...d.metadata.annotations, 'deployment.kubernetes.io/revision': current.metadata.annotations['deployment.kubernetes.io/revision'] };

  const replicas = d.spec.replicas ?? 1;
  const failing = process.env.FAIL_ROLLOUT_IMAGE
    && (d.spec.template?.spec?.containers ?? []).some((c) => String(c.image).includes(process.env.FAIL_ROLLOUT_IMAGE));
  d.status = failing ? {
    observedGeneration: d.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${current.metadata.name}" has timed out progressing.` },
    ],
  } : {
    observedGeneration: d.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` },
    ],
  };
}

/** Stores `next` as the new state of an object (or only returns it, for a dry run). */
function write(r, ns, name, previous, next, dryRun) {
  const obj = clone(next);
  obj.apiVersion = gv(r);
  obj.kind = r.kind;
  obj.metadata = { ...obj.metadata, name, ...(r.namespaced ? { namespace: ns } : {}) };
  obj.metadata.uid = previous?.metadata.uid ?? crypto.randomUUID();
  obj.metadata.creationTimestamp = previous?.metadata.creationTimestamp ?? '2023-05-01T00:00:00Z';
  const specChanged = canonical(previous?.spec) !== canonical(obj.spec);
  obj.metadata.generation = (previous?.metadata.generation ?? 0) + (previous && !specChanged ? 0 : 1);
  delete obj.metadata.managedFields;
  if (previous?.status && !obj.status) obj.status = previous.status;
  if (r.kind === 'Namespace') obj.status = { phase: 'Active' };
  if (dryRun) return obj;
  obj.metadata.resourceVersion = String(++resourceVersion);
  if (r.kind === 'Deployment') reconcileDeployment(obj);
  store.set(key(r, ns, name), obj);
  return obj;
}

function handle(req, res, body) {
  const url = new URL(req.url, 'http://localhost');
  const q = url.searchParams;
  requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(q), contentType: req.headers['content-type'] ?? null });
  if (url.pathname === '/__requests') return send(res, 200, requests);
  if (url.pathname === '/__objects') return send(res, 200, [...store.values()]);
  if (url.pathname.startsWith('/openapi/v2')) {
    // An empty OpenAPI v2 document (an empty protobuf message): kubectl then validates nothing client-side.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    return res.end();
  }
  if (url.pathname.startsWith('/openapi/v3')) return send(res, 200, { paths: {} });
  const disc = req.method === 'GET' ? discovery(url.pathname) : undefined;
  if (disc) return send(res, 200, disc);
  const at = route(url.pathname);
  if (!at) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  const { r, ns, name } = at;
  const k = key(r, ns, name);
  const existing = store.get(k);
  const dryRun = q.get('dryRun') === 'All';

  if (req.method === 'GET' && !name) {
    const items = [...store.values()].filter((o) => o.kind === r.kind && (!r.namespaced || !ns || o.metadata.namespace === ns)
      && matchesLabels(o, q.get('labelSelector')) && matchesFields(o, q.get('fieldSelector')));
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      // No events ever: the tests finish on the state the list shows. Closed by the client.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write('');
      return undefined;
    }
    return send(res, 200, { apiVersion: gv(r), kind: `${r.kind}List`, metadata: { resourceVersion: String(resourceVersion) }, items });
  }
  if (req.method === 'GET') return existing ? send(res, 200, existing) : notFound(res, r, name);
  if (req.method === 'DELETE') {
    if (!existing) return notFound(res, r, name);
    store.delete(k);
    return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.resource, uid: existing.metadata.uid } });
  }
  if (req.method === 'PATCH' || req.method === 'POST' || req.method === 'PUT') {
    const objName = name ?? JSON.parse(body).metadata?.name;
    if (r.namespaced && !store.has(`/namespaces//${ns}`)) {
      // The NamespaceLifecycle admission plugin, which runs for dry runs too.
      return status(res, 404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
    const type = req.headers['content-type'] ?? '';
    let next;
    try {
      const patch = JSON.parse(body);
      if (type.startsWith('application/apply-patch')) {
        if (!q.get('fieldManager')) return status(res, 422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value');
        next = merge(existing ?? {}, patch);
      } else if (type.startsWith('application/json-patch+json')) {
        if (!existing) return notFound(res, r, objName);
        next = jsonPatch(existing, patch);
      } else if (type.startsWith('application/merge-patch+json') || type.startsWith('application/strategic-merge-patch+json')) {
        if (!existing) return notFound(res, r, objName);
        next = merge(existing, patch);
      } else if (req.method === 'POST') {
        if (store.has(key(r, ns, objName))) return status(res, 409, 'AlreadyExists', `${r.resource} "${objName}" already exists`);
        next = patch;
      } else {
        next = patch;
      }
    } catch (e) {
      return status(res, 400, 'BadRequest', `cannot read the request: ${e.message}`);
    }
    const created = !existing;
    return send(res, created ? 201 : 200, write(r, ns, objName, existing, next, dryRun));
  }
  return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
}

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf-8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    try {
      handle(req, res, body);
    } catch (e) {
      status(res, 500, 'InternalError', String(e && e.stack || e));
    }
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
