#!/usr/bin/env node
// FAKE KUBERNETES API SERVER, for tests only: enough of the API for the real kubectl 1.27 to run
// every call of `npm run deploy` against it on 127.0.0.1, with the behaviour those calls depend
// on and could be wrong about. What it imitates and what it does not is listed in README.md
// beside this file; in short:
// - discovery of the built-in kinds, and of custom kinds only while their CRD is stored and
//   Established (anything else is not served: 404, as on a cluster without the CRD);
// - GET/LIST (label and field selectors)/WATCH (events, replayed from a resourceVersion),
//   server-side apply with managedFields per field manager, conflicts unless forced, and the
//   removal of fields a manager stops applying (managed-fields.js); create, update, JSON and
//   merge patches as updates owned by their manager (`fieldManager`, else the User-Agent's
//   first word, e.g. "kubectl"); dry runs; DELETE with namespace and owner cascades;
// - NamespaceLifecycle: nothing is created (not even in a dry run) in a missing namespace;
// - the deployment controller (deployment-controller.js): ReplicaSets, revisions, rollout
//   status and progressDeadlineSeconds.
//
// Usage: node fake-apiserver.js   (prints "listening <port>"; $PORT or 0 = a free port)
// Test endpoints:
//   GET  /__requests  every request so far: method, path, query, content type, user agent,
//                     `seq`/`endSeq` (a global order: a watch's endSeq is when it closed),
//                     `at` (when it arrived, ms since the epoch: an order across two servers)
//   GET  /__objects   the store
//   POST /__control   merges JSON into the control state:
//                       failImages, slowImages, unavailable   (see deployment-controller.js)
//                       timeScale      test clock: 0.01 makes 600 s pass in 6 s (default 1)
//                       version        { major, minor, gitVersion } of /version
//                       notEstablished CRD names that stay not Established (and not served)
//                       rules          [{ verb, resource, name?, dryRun?, code, message }]:
//                                      requests that fail, e.g. an admission webhook that
//                                      times out on the real write (dryRun: false), or RBAC
//                                      refusing `delete` of configmaps (code 403)
//   POST /__reset     empties the store, the request log and the control state
'use strict';
const http = require('http');
const crypto = require('crypto');
const fields = require('./managed-fields');
const { DeploymentController } = require('./deployment-controller');

/** The built-in kinds the deploy touches: [group, version, resource, Kind, namespaced]. */
const BUILT_IN = [
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
].map(([group, version, resource, kind, namespaced]) => ({ group, version, resource, kind, namespaced }));

const SHORT_NAMES = {
  namespaces: ['ns'], configmaps: ['cm'], services: ['svc'], serviceaccounts: ['sa'], deployments: ['deploy'], replicasets: ['rs'],
  poddisruptionbudgets: ['pdb'], networkpolicies: ['netpol'], ingresses: ['ing'], horizontalpodautoscalers: ['hpa'],
  priorityclasses: ['pc'], customresourcedefinitions: ['crd', 'crds'],
};
const gv = (r) => (r.group ? `${r.group}/${r.version}` : r.version);
const clone = (o) => JSON.parse(JSON.stringify(o));
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

let store = new Map(); // `${group}/${resource}/${namespace}/${name}` -> object
let requests = [];
let events = []; // { rv, type, object } for watch replay
let control = {};
let resourceVersion = 1;
let seq = 0;
const watchers = new Set();

/** Every kind served now: the built-in ones and those of Established CRDs. */
function served() {
  const out = [...BUILT_IN];
  for (const crd of store.values()) {
    if (crd.kind !== 'CustomResourceDefinition' || !established(crd)) continue;
    for (const v of crd.spec.versions ?? []) {
      if (v.served === false) continue;
      out.push({ group: crd.spec.group, version: v.name, resource: crd.spec.names.plural, kind: crd.spec.names.kind, namespaced: crd.spec.scope === 'Namespaced' });
    }
  }
  return out;
}
const established = (crd) => (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
/** `<group>/<Kind>` -> resource, of every kind served so far (a custom kind stays known after its CRD goes). */
const known = new Map(BUILT_IN.map((r) => [`${r.group}/${r.kind}`, r]));
const resourceOf = (obj) => {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  if (!known.has(`${group}/${obj.kind}`)) for (const r of served()) known.set(`${r.group}/${r.kind}`, r);
  return known.get(`${group}/${obj.kind}`);
};
const keyOf = (r, ns, name) => `${r.group}/${r.resource}/${r.namespaced ? ns : ''}/${name}`;
const objectKey = (obj) => keyOf(resourceOf(obj), obj.metadata.namespace, obj.metadata.name);

function send(res, code, body) {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
function status(res, code, reason, message, details = {}) {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}

/** Stores an object under a new resourceVersion and tells the watchers. */
function put(obj, { statusOnly = false } = {}) {
  const key = objectKey(obj);
  const type = store.has(key) ? 'MODIFIED' : 'ADDED';
  obj.metadata.resourceVersion = String(++resourceVersion);
  store.set(key, obj);
  emit(type, obj);
  return obj;
}
function remove(obj) {
  const key = objectKey(obj);
  if (!store.delete(key)) return;
  const gone = clone(obj);
  gone.metadata.resourceVersion = String(++resourceVersion);
  emit('DELETED', gone);
  if (obj.kind === 'Deployment') controller.forget(obj);
  if (obj.kind === 'Namespace') {
    // The namespace controller deletes what is inside (at once here, no Terminating phase).
    for (const o of [...store.values()]) if (o.metadata.namespace === obj.metadata.name) remove(o);
  }
  if (obj.kind === 'CustomResourceDefinition') {
    for (const o of [...store.values()]) if (o.apiVersion.split('/')[0] === obj.spec.group && o.kind === obj.spec.names.kind) remove(o);
  }
}
function emit(type, object) {
  const event = { rv: Number(object.metadata.resourceVersion), type, object: clone(object) };
  events.push(event);
  if (events.length > 5000) events = events.slice(-2500);
  for (const w of watchers) if (w.matches(object)) w.send(event);
}
function list(kind, namespace) {
  return [...store.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
}
/** A write that is not an apply, as `manager`, with its managedFields. */
function updateAs(manager, live, next) {
  const obj = clone(next);
  obj.metadata.managedFields = fields.update({ live, next: obj, manager, apiVersion: live.apiVersion, time: now() });
  return put(obj);
}

const controller = new DeploymentController({ list, put, remove, updateAs, now }, new Proxy({}, { get: (_t, k) => control[k] }));

function discovery(path) {
  if (path === '/version') {
    return { major: '1', minor: '27', gitVersion: 'v1.27.1', gitCommit: '0000000000000000000000000000000000000000', platform: 'linux/amd64', ...control.version };
  }
  const resources = served();
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/apis') {
    const groups = [...new Set(resources.filter((r) => r.group).map((r) => r.group))].map((name) => {
      const versions = [...new Set(resources.filter((r) => r.group === name).map((r) => r.version))]
        .map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions, preferredVersion: versions[0] };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) {
    const g = /^\/apis\/([^/]+)$/.exec(path);
    if (!g) return undefined;
    const versions = [...new Set(resources.filter((r) => r.group === g[1]).map((r) => r.version))].map((version) => ({ groupVersion: `${g[1]}/${version}`, version }));
    return versions.length ? { kind: 'APIGroup', apiVersion: 'v1', name: g[1], versions, preferredVersion: versions[0] } : undefined;
  }
  const groupVersion = m[1] ?? `${m[2]}/${m[3]}`;
  const list = resources.filter((r) => gv(r) === groupVersion).map((r) => ({
    name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind,
    ...(SHORT_NAMES[r.resource] ? { shortNames: SHORT_NAMES[r.resource] } : {}),
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }));
  return list.length ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: list } : undefined;
}

/** `/api/v1/namespaces/ns/services/x` -> { r, ns, name, sub }, for served kinds only. */
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
  const r = served().find((x) => x.group === group && x.version === version && x.resource === segs[0]);
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

function mergePatch(base, patch) {
  if (!isMap(base) || !isMap(patch)) return clone(patch);
  const out = clone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
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
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** null is "not set" to a typed API server: it keeps no such field. */
function withoutNulls(v) {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isMap(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

/** The object as written: identity and bookkeeping from the server, status kept, CRDs Established. */
function finish(r, ns, name, previous, fieldsPart, managedFields) {
  const obj = withoutNulls(clone(fieldsPart));
  obj.apiVersion = gv(r);
  obj.kind = r.kind;
  obj.metadata = {
    ...obj.metadata, name, ...(r.namespaced ? { namespace: ns } : {}),
    uid: previous?.metadata.uid ?? crypto.randomUUID(),
    creationTimestamp: previous?.metadata.creationTimestamp ?? now(),
    managedFields,
  };
  const specChanged = canonical(previous?.spec) !== canonical(obj.spec);
  obj.metadata.generation = (previous?.metadata.generation ?? 0) + (previous && !specChanged ? 0 : 1);
  if (previous?.metadata.resourceVersion) obj.metadata.resourceVersion = previous.metadata.resourceVersion;
  if (previous?.status) obj.status = previous.status;
  if (r.kind === 'Namespace') obj.status = { phase: 'Active' };
  if (r.kind === 'CustomResourceDefinition') {
    const ready = !(control.notEstablished ?? []).includes(name);
    const t = now();
    obj.status = {
      acceptedNames: obj.spec?.names ?? {},
      storedVersions: (obj.spec?.versions ?? []).filter((v) => v.storage).map((v) => v.name),
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: t },
        ready ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: t }
          : { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have not been accepted yet', lastTransitionTime: t },
      ],
    };
  }
  return obj;
}

/** The first control rule that fails this request, if any. */
function ruleFor(verb, r, name, dryRun) {
  return (control.rules ?? []).find((rule) => rule.verb === verb && rule.resource === r.resource
    && (rule.name === undefined || rule.name === name) && (rule.dryRun === undefined || rule.dryRun === dryRun));
}

function handle(req, res, body) {
  const url = new URL(req.url, 'http://localhost');
  const q = url.searchParams;
  const entry = {
    seq: ++seq, at: Date.now(), method: req.method, path: url.pathname, query: Object.fromEntries(q),
    contentType: req.headers['content-type'] ?? null, userAgent: req.headers['user-agent'] ?? null,
  };
  if (!url.pathname.startsWith('/__')) requests.push(entry);
  const reply = (code, obj) => { entry.status = code; entry.endSeq = ++seq; send(res, code, obj); };
  const fail = (code, reason, message, details) => { entry.status = code; entry.endSeq = ++seq; status(res, code, reason, message, details); };
  const notFound = (_res, r, n) => fail(404, 'NotFound', `${r.resource}${r.group ? `.${r.group}` : ''} "${n}" not found`, { name: n, group: r.group, kind: r.resource });

  if (url.pathname === '/__requests') return send(res, 200, requests);
  if (url.pathname === '/__objects') return send(res, 200, [...store.values()]);
  if (url.pathname === '/__control' && req.method === 'POST') {
    control = { ...control, ...JSON.parse(body || '{}') };
    return send(res, 200, control);
  }
  if (url.pathname === '/__reset' && req.method === 'POST') {
    for (const d of list('Deployment')) controller.forget(d);
    store = new Map();
    requests = [];
    events = [];
    control = {};
    return send(res, 200, {});
  }
  if (url.pathname.startsWith('/openapi/v2')) {
    // An empty OpenAPI v2 document (an empty protobuf message): kubectl then validates nothing client-side.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    entry.endSeq = ++seq;
    return res.end();
  }
  // No OpenAPI v3 (as a server before 1.24): kubectl falls back to v2, which is empty here, so
  // it validates nothing client-side and every object reaches the server (no schemas here).
  if (url.pathname.startsWith('/openapi/v3')) return fail(404, 'NotFound', 'the server could not find the requested resource');
  const disc = req.method === 'GET' ? discovery(url.pathname) : undefined;
  if (disc) return reply(200, disc);
  const at = route(url.pathname);
  if (!at) return fail(404, 'NotFound', 'the server could not find the requested resource');
  const { r, ns, name } = at;
  const dryRun = q.get('dryRun') === 'All';
  const verb = req.method === 'GET' ? (name ? 'get' : (q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list'))
    : { DELETE: 'delete', PATCH: 'patch', POST: 'create', PUT: 'update' }[req.method];
  const objName = name ?? (req.method === 'POST' ? (() => { try { return JSON.parse(body).metadata?.name; } catch { return undefined; } })() : undefined);
  const rule = ruleFor(verb, r, objName, dryRun);
  if (rule) {
    return fail(rule.code ?? 403, rule.code === 500 ? 'InternalError' : 'Forbidden',
      rule.message ?? `${r.resource}${r.group ? `.${r.group}` : ''} "${objName ?? ''}" is forbidden: the test refuses ${verb}`);
  }
  const k = keyOf(r, ns, objName);
  const existing = store.get(k);

  if (verb === 'watch') return watch(req, res, entry, r, ns, q);
  if (verb === 'list') {
    const items = [...store.values()].filter((o) => o.kind === r.kind && o.apiVersion.split('/')[0] === (r.group || o.apiVersion.split('/')[0])
      && (!r.namespaced || !ns || o.metadata.namespace === ns)
      && matchesLabels(o, q.get('labelSelector')) && matchesFields(o, q.get('fieldSelector')));
    return reply(200, { apiVersion: gv(r), kind: `${r.kind}List`, metadata: { resourceVersion: String(resourceVersion) }, items });
  }
  if (verb === 'get') return existing ? reply(200, existing) : notFound(res, r, name);
  if (verb === 'delete') {
    if (!existing) return notFound(res, r, name);
    if (!dryRun) remove(existing);
    return reply(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.resource, uid: existing.metadata.uid } });
  }
  if (verb === 'patch' || verb === 'create' || verb === 'update') {
    if (r.namespaced && !store.has(`/namespaces//${ns}`)) {
      // The NamespaceLifecycle admission plugin, which runs for dry runs too.
      return fail(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
    const type = req.headers['content-type'] ?? '';
    const manager = q.get('fieldManager') || fields.managerFromUserAgent(req.headers['user-agent']);
    const time = now();
    let patch;
    try {
      patch = JSON.parse(body);
    } catch (e) {
      return fail(400, 'BadRequest', `cannot read the request: ${e.message}`);
    }
    let fieldsPart;
    let managedFields;
    if (type.startsWith('application/apply-patch')) {
      if (!q.get('fieldManager')) return fail(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const result = fields.apply({ live: existing, applied: patch, manager, force: q.get('force') === 'true', apiVersion: gv(r), time });
      if (result.conflicts) {
        entry.status = 409;
        entry.endSeq = ++seq;
        return send(res, 409, result.conflicts);
      }
      fieldsPart = result.fields;
      managedFields = result.managedFields;
    } else {
      let next;
      try {
        if (type.startsWith('application/json-patch+json')) {
          if (!existing) return notFound(res, r, objName);
          next = jsonPatch(existing, patch);
        } else if (type.startsWith('application/merge-patch+json') || type.startsWith('application/strategic-merge-patch+json')) {
          if (!existing) return notFound(res, r, objName);
          next = mergePatch(existing, patch);
        } else if (verb === 'create') {
          if (existing) return fail(409, 'AlreadyExists', `${r.resource}${r.group ? `.${r.group}` : ''} "${objName}" already exists`, { name: objName, group: r.group, kind: r.resource });
          next = patch;
        } else {
          next = patch;
        }
      } catch (e) {
        return fail(422, 'Invalid', `the patch cannot be applied: ${e.message}`);
      }
      next = withoutNulls(next);
      managedFields = fields.update({ live: existing, next, manager, apiVersion: gv(r), time });
      fieldsPart = fields.tracked(next);
    }
    const obj = finish(r, ns, objName, existing, fieldsPart, managedFields);
    if (dryRun) return reply(existing ? 200 : 201, obj);
    put(obj);
    if (r.kind === 'Deployment') controller.reconcile(obj);
    return reply(existing ? 200 : 201, store.get(k));
  }
  return fail(405, 'MethodNotAllowed', `${req.method} is not supported here`);
}

/** A watch: the events after `resourceVersion` (replayed), then each new one, until the client leaves. */
function watch(req, res, entry, r, ns, q) {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const w = {
    matches: (o) => o.kind === r.kind && (!r.namespaced || !ns || o.metadata.namespace === ns)
      && matchesLabels(o, q.get('labelSelector')) && matchesFields(o, q.get('fieldSelector')),
    send: (e) => res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`),
  };
  const from = Number(q.get('resourceVersion') || resourceVersion);
  for (const e of events) if (e.rv > from && w.matches(e.object)) w.send(e);
  watchers.add(w);
  const end = () => {
    if (!watchers.delete(w)) return;
    entry.endSeq = ++seq;
    res.end();
  };
  const timeout = Number(q.get('timeoutSeconds') || 0);
  const timer = timeout > 0 ? setTimeout(end, timeout * 1000) : undefined;
  // The response's close, not the request's: a request "closes" as soon as it has been read.
  res.on('close', () => {
    clearTimeout(timer);
    if (watchers.delete(w)) entry.endSeq = ++seq;
  });
}

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf-8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    try {
      handle(req, res, body);
    } catch (e) {
      status(res, 500, 'InternalError', String((e && e.stack) || e));
    }
  });
});
// Keep-alive: Node closes an idle connection after 5 s by default, which races a client that
// reuses it at that moment (its next request fails with a reset). kubectl's Go client keeps
// idle connections for 90 s and node's fetch for 4 s (or the server's Keep-Alive hint minus 1 s),
// so the server keeps them longer than either: it never closes a connection a client is
// about to reuse; clients close them first.
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.requestTimeout = 0;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  process.exit(0);
});
