// THE REQUEST HANDLER of the test API server: routes a request to its verb (get, list, watch,
// create, update, patch, delete, deletecollection) on a resource or subresource and runs it as
// the real API server's handlers do, in their order: decode the body (size limit, JSON, YAML or
// protobuf, field validation), admission (injected rules, NamespaceLifecycle), the kind's
// strategy (identity, defaults, status kept, generation), validation (422), preconditions
// (resourceVersion, uid), field ownership (managed-fields.js), storage (store.js) and the
// controllers (deployment-controller.js, namespaces.js). See fake-apiserver.js for the test
// endpoints and the control state.
'use strict';
const crypto = require('crypto');
const YAML = require('yaml');
const fields = require('../managed-fields');
const { DeploymentController } = require('../deployment-controller');
const E = require('./errors');
const { Kinds, CREATE_ON_UPDATE, gv } = require('./kinds');
const { Store, clone } = require('./store');
const { Validation } = require('./validation');
const { Namespaces } = require('./namespaces');
const { hasStatus, scaleOf, applyScale } = require('./subresources');
const { mergePatch, jsonPatch, strategicMerge } = require('./patch');
const protobuf = require('./protobuf');

const MAX_REQUEST_BYTES = 3 * 1024 * 1024; // kube-apiserver --max-request-bytes default (3 MiB)
const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024; // etcd --max-request-bytes default (1.5 MiB)
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
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

/** A label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`) as a test of an object's labels; 400 when it cannot be read. */
function labelMatcher(selector) {
  if (!selector) return () => true;
  const terms = [];
  let rest = selector;
  while (rest.trim().length) {
    const set = /^\s*([^,!=()\s]+)\s+(in|notin)\s+\(([^)]*)\)\s*(?:,|$)/.exec(rest);
    const eq = set ? undefined : /^\s*(!?)([^,!=()\s]+)\s*(?:(==|=|!=)\s*([^,]*?))?\s*(?:,|$)/.exec(rest);
    const m = set ?? eq;
    if (!m || m[0] === '') throw E.badRequest(`unable to parse requirement: found '${rest.trim()}', expected: ',', '!=', '==', '=', 'in', 'notin'`);
    if (set) {
      const [, key, op, list] = set;
      const values = list.split(',').map((x) => x.trim()).filter(Boolean);
      terms.push(op === 'in' ? (l) => values.includes(l[key]) : (l) => !values.includes(l[key]));
    } else {
      const [, not, key, op, value] = eq;
      if (op) terms.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
      else if (not) terms.push((l) => !(key in l));
      else terms.push((l) => key in l);
    }
    rest = rest.slice(m[0].length);
  }
  return (obj) => terms.every((t) => t(obj.metadata.labels ?? {}));
}
function fieldMatcher(selector) {
  if (!selector) return () => true;
  const terms = selector.split(',').map((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw E.badRequest(`invalid field selector: ${term}`);
    const [, key, op, value] = m;
    const get = {
      'metadata.name': (o) => o.metadata.name, 'metadata.namespace': (o) => o.metadata.namespace ?? '',
      'type': (o) => o.type, 'status.phase': (o) => o.status?.phase,
    }[key];
    if (!get) throw E.badRequest(`field label not supported: ${key}`);
    return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
  });
  return (obj) => terms.every((t) => t(obj));
}

class ApiServer {
  constructor() {
    this.control = {};
    this.requests = [];
    this.seq = 0;
    this.kinds = new Kinds(() => this.store.list('CustomResourceDefinition', undefined, 'apiextensions.k8s.io'));
    this.store = new Store(this.kinds);
    this.validation = new Validation();
    this.namespaces = new Namespaces(this);
    this.nextIp = 10;
    const api = {
      list: (kind, ns) => this.store.list(kind, ns), put: (o) => this.store.put(o), remove: (o) => this.deleteObject(o, {}),
      updateAs: (manager, live, next) => this.updateAs(manager, live, next), now,
    };
    this.controller = new DeploymentController(api, new Proxy({}, { get: (_t, k) => this.control[k] }));
    this.namespaces.bootstrap();
  }

  now() {
    return now();
  }

  /** Milliseconds of real time for `seconds` of the test clock. */
  ms(seconds) {
    return Math.max(1, Math.round(seconds * 1000 * (this.control.timeScale ?? 1)));
  }

  reset() {
    for (const d of this.store.list('Deployment')) this.controller.forget(d);
    for (const w of [...this.store.watchers]) w.close();
    this.store.reset();
    this.requests = [];
    this.control = {};
    this.namespaces.bootstrap();
  }

  /** A write that is not an apply, as `manager`, with its managedFields (the controllers' writes). */
  updateAs(manager, live, next) {
    const obj = clone(next);
    obj.metadata.managedFields = fields.update({ live, next: obj, manager, apiVersion: live.apiVersion, time: now() });
    return this.store.put(obj);
  }

  crdOf(r) {
    return r.crd ? this.store.get({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', namespaced: false }, undefined, r.crd) : undefined;
  }

  /**
   * Deletes an object now, or marks it for deletion while it has finalizers, with the garbage
   * collector's cascade (`propagationPolicy`: Background or Foreground delete what it owns,
   * Orphan leaves it without the owner reference).
   */
  deleteObject(obj, { propagationPolicy }) {
    if ((obj.metadata.finalizers ?? []).length > 0) {
      if (obj.metadata.deletionTimestamp) return obj;
      const next = clone(obj);
      next.metadata.deletionTimestamp = now();
      next.metadata.deletionGracePeriodSeconds = 0;
      return this.store.put(next);
    }
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') return this.namespaces.delete(obj, false);
    const gone = this.store.delete(obj);
    if (!gone) return undefined;
    if (obj.kind === 'Deployment') this.controller.forget(obj, propagationPolicy === 'Orphan');
    const dependents = this.store.all().filter((o) => (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === obj.metadata.uid));
    for (const d of dependents) {
      if (propagationPolicy === 'Orphan') {
        const next = clone(d);
        next.metadata.ownerReferences = next.metadata.ownerReferences.filter((ref) => ref.uid !== obj.metadata.uid);
        if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
        this.store.put(next);
      } else {
        this.deleteObject(d, { propagationPolicy: 'Background' });
      }
    }
    if (obj.kind === 'CustomResourceDefinition') {
      for (const o of this.store.all()) if (o.apiVersion.split('/')[0] === obj.spec.group && o.kind === obj.spec.names.kind) this.store.delete(o);
    }
    return gone;
  }

  /**
   * The first injected rule that fails this request, if any (a rule with `times` fails that many
   * requests, then no more; one with `after` only once such a write succeeded, for `seconds`:
   * see triggerRules).
   */
  ruleFor(verb, r, ns, name, dryRun, sub) {
    const live = (x) => x.after === undefined || (x.from !== undefined && (x.seconds === undefined || Date.now() < x.from + x.seconds * 1000));
    const rule = (this.control.rules ?? []).find((x) => live(x) && (x.verb === undefined || x.verb === verb) && (x.resource === r.resource || x.resource === `${r.resource}/${sub}`)
      && (x.name === undefined || x.name === name) && (x.namespace === undefined || x.namespace === ns)
      && (x.dryRun === undefined || x.dryRun === dryRun) && (x.times === undefined || x.times > 0));
    if (rule && rule.times !== undefined) rule.times -= 1;
    return rule;
  }

  /** Handles one request: `body` a Buffer (or undefined when it was over the size limit). */
  handle(req, res, body) {
    const url = new URL(req.url, 'http://localhost');
    const q = url.searchParams;
    const entry = {
      seq: ++this.seq, at: Date.now(), method: req.method, path: url.pathname, query: Object.fromEntries(q),
      contentType: req.headers['content-type'] ?? null, userAgent: req.headers['user-agent'] ?? null,
    };
    const warnings = [];
    const send = (code, obj, headers = {}) => {
      entry.status = code;
      entry.endSeq = ++this.seq;
      const h = { 'Content-Type': 'application/json', ...headers };
      if (warnings.length) h.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
      res.writeHead(code, h);
      res.end(JSON.stringify(obj));
    };
    const test = this.testEndpoint(url.pathname, req.method, body, q);
    if (test) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(test.body));
    }
    this.requests.push(entry);
    try {
      if (body === undefined) throw E.tooLarge(MAX_REQUEST_BYTES);
      if (url.pathname.startsWith('/openapi/v2')) {
        // An empty OpenAPI v2 document (an empty protobuf message): clients then validate nothing client-side.
        entry.status = 200;
        entry.endSeq = ++this.seq;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        return res.end();
      }
      // No OpenAPI v3 (as a server before 1.24): clients fall back to v2, which is empty.
      if (url.pathname.startsWith('/openapi/v3')) throw new E.ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const disc = req.method === 'GET' ? this.kinds.discovery(url.pathname, this.control.version) : undefined;
      if (disc) return send(200, disc);
      const at = this.kinds.route(url.pathname);
      if (!at) throw new E.ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return this.resource(req, res, entry, at, q, body, send, warnings);
    } catch (e) {
      const err = E.toStatus(e);
      send(err.code, err.status, err.code === 429 ? { 'Retry-After': '1' } : {});
    }
    return undefined;
  }

  testEndpoint(path, method, body, q) {
    if (path === '/__requests') return { body: this.requests };
    // What the clients made: the system namespaces a new cluster has are left out unless `?system=true`.
    if (path === '/__objects') return { body: q.get('system') === 'true' ? this.store.all() : this.store.all().filter((o) => !this.namespaces.isSystem(o)) };
    if (path === '/__control' && method === 'POST') {
      this.control = { ...this.control, ...JSON.parse(body?.toString('utf-8') || '{}') };
      return { body: this.control };
    }
    if (path === '/__reset' && method === 'POST') {
      this.reset();
      return { body: {} };
    }
    return undefined;
  }

  resource(req, res, entry, { r, ns, name, sub }, q, body, send, warnings) {
    const watching = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = req.method === 'GET' ? (name ? 'get' : watching ? 'watch' : 'list')
      : { DELETE: name ? 'delete' : 'deletecollection', PATCH: 'patch', POST: 'create', PUT: 'update' }[req.method];
    if (!verb || (verb === 'create' && name) || (!name && ['patch', 'update'].includes(verb))) throw E.methodNotAllowed(req.method);
    const dryRun = q.getAll('dryRun').includes('All');
    const type = req.headers['content-type'] ?? '';
    let input;
    if (['create', 'update', 'patch'].includes(verb) || (verb === 'delete' && body.length)) input = this.decodeBody(type, body, verb);
    const objName = name ?? input?.metadata?.name ?? (input?.metadata?.generateName ? '' : undefined);
    const rule = this.ruleFor(verb, r, ns, objName, dryRun, sub);
    if (rule) {
      const code = rule.code ?? 403;
      const reason = E.REASONS[code] ?? '';
      throw new E.ApiError(code, reason, rule.message ?? (code === 403
        ? `${E.groupResource(r)} "${objName ?? ''}" is forbidden: the test refuses ${verb}`
        : `the test fails ${verb} of ${E.groupResource(r)}${objName ? ` "${objName}"` : ''} (${code} ${reason})`));
    }
    if (verb === 'watch' || verb === 'list') this.checkListOptions(verb, q);
    if (verb === 'watch') return this.watch(req, res, entry, r, ns, q);
    if (verb === 'list') return send(200, this.list(r, ns, q));
    const existing = name ? this.store.get(r, ns, name) : undefined;
    if (verb === 'get') {
      if (!existing) throw E.notFound(r, name);
      if (sub === 'scale') return send(200, scaleOf(r, existing));
      return send(200, existing);
    }
    if (verb === 'delete') return send(200, this.delete(r, existing, name, q, input, dryRun));
    if (verb === 'deletecollection') {
      const items = this.list(r, ns, q).items;
      if (!dryRun) for (const o of items) this.deleteObject(o, { propagationPolicy: q.get('propagationPolicy') ?? 'Background' });
      return send(200, { ...this.list(r, ns, new URLSearchParams()), items });
    }
    const directive = q.get('fieldValidation') || 'Warn';
    if (!['Strict', 'Warn', 'Ignore'].includes(directive)) throw E.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(directive)}`);
    const result = this.write({ verb, r, ns, name, sub, q, type, input, existing, dryRun, directive, warnings, userAgent: req.headers['user-agent'] });
    if (!dryRun) this.triggerRules(verb, r, objName);
    return send(result.code, result.body);
  }

  /**
   * Rules with `after: { verb, resource, name? }` start once such a write succeeded, for `seconds`
   * (real time); `name` a list: once a write of each named object succeeded (e.g. every Deployment
   * of a release applied, whatever order the client applies them in).
   */
  triggerRules(verb, r, name) {
    for (const x of this.control.rules ?? []) {
      const a = x.after;
      if (!a || x.from !== undefined || a.verb !== verb || a.resource !== r.resource) continue;
      if (Array.isArray(a.name)) {
        if (!a.name.includes(name)) continue;
        x.written = [...new Set([...(x.written ?? []), name])];
        if (x.written.length === new Set(a.name).size) x.from = Date.now();
      } else if (a.name === undefined || a.name === name) {
        x.from = Date.now();
      }
    }
  }

  /**
   * ListOptions as 1.27 validates them (apimachinery's ValidateListOptions), with the WatchList
   * feature gate off as 1.27 has it (alpha): a streaming list (`sendInitialEvents`) is refused
   * (422), and a client-go that tries one falls back to LIST then WATCH. `control.watchList`
   * turns the gate on: initial events, then a BOOKMARK marking their end.
   */
  checkListOptions(verb, q) {
    const errors = [];
    const match = q.get('resourceVersionMatch');
    const initial = q.get('sendInitialEvents');
    if (verb === 'watch') {
      if (initial !== null) {
        if (match !== 'NotOlderThan') errors.push({ type: 'Forbidden', field: 'resourceVersionMatch', detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' });
        if (!this.control.watchList) errors.push({ type: 'Forbidden', field: 'sendInitialEvents', detail: 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' });
      }
      if (match && initial === null) errors.push({ type: 'Forbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' });
    } else {
      if (match && !q.get('resourceVersion')) errors.push({ type: 'Forbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided' });
      if (initial !== null) errors.push({ type: 'Forbidden', field: 'sendInitialEvents', detail: 'sendInitialEvents is forbidden for list' });
    }
    if (errors.length) throw E.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errors);
  }

  decodeBody(type, body, verb) {
    if (protobuf.isProtobuf(type)) {
      try {
        return protobuf.decode(body);
      } catch (e) {
        if (e instanceof protobuf.ProtobufError) throw E.unsupportedMediaType(`${type}: ${e.message}`);
        throw e;
      }
    }
    const text = body.toString('utf-8');
    if (verb === 'delete' && !text.trim()) return undefined;
    try {
      if (type.startsWith('application/apply-patch+yaml') || type.startsWith('application/yaml')) return YAML.parse(text, { version: '1.1' });
      return JSON.parse(text);
    } catch (e) {
      if (type.startsWith('application/apply-patch')) throw E.badRequest(`error decoding YAML: ${e.message}`);
      throw E.badRequest(`couldn't get version/kind; json parse error: ${e.message}`);
    }
  }

  list(r, ns, q) {
    const labels = labelMatcher(q.get('labelSelector'));
    const fieldsOk = fieldMatcher(q.get('fieldSelector'));
    const items = this.store.all().filter((o) => o.kind === r.kind && o.apiVersion.split('/')[0] === (r.group || o.apiVersion.split('/')[0])
      && (!r.namespaced || ns === undefined || o.metadata.namespace === ns) && labels(o) && fieldsOk(o));
    return { apiVersion: gv(r), kind: `${r.kind}List`, metadata: { resourceVersion: String(this.store.rv) }, items };
  }

  delete(r, existing, name, q, input, dryRun) {
    if (!existing) throw E.notFound(r, name);
    const options = input ?? {};
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== existing.metadata.uid) {
      throw E.conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw E.conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`);
    }
    const propagationPolicy = options.propagationPolicy ?? q.get('propagationPolicy')
      ?? (options.orphanDependents === true || q.get('orphanDependents') === 'true' ? 'Orphan' : 'Background');
    if (!['Background', 'Foreground', 'Orphan'].includes(propagationPolicy)) {
      throw E.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ type: 'Unsupported value', field: 'propagationPolicy', value: propagationPolicy, detail: 'supported values: "Foreground", "Background", "Orphan", nil' }]);
    }
    const isDryRun = dryRun || (options.dryRun ?? []).includes('All');
    if (existing.kind === 'Namespace' && r.resource === 'namespaces') return this.namespaces.delete(existing, isDryRun);
    if ((existing.metadata.finalizers ?? []).length > 0) {
      // Marked for deletion; it goes when its finalizers are removed.
      return isDryRun ? { ...existing, metadata: { ...existing.metadata, deletionTimestamp: now() } } : this.deleteObject(existing, { propagationPolicy });
    }
    if (!isDryRun) this.deleteObject(existing, { propagationPolicy });
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.resource, uid: existing.metadata.uid } };
  }

  /** create, update or patch of an object or its /status, /scale or /finalize. */
  write(w) {
    const { verb, r, ns, sub, q, type, existing, dryRun, directive, warnings } = w;
    let { input } = w;
    if (!isMap(input) && !(verb === 'patch' && type.startsWith('application/json-patch+json'))) throw E.badRequest('the body of the request is not an object');
    const manager = q.get('fieldManager') || fields.managerFromUserAgent(w.userAgent);
    const crd = this.crdOf(r);
    const name = w.name ?? input.metadata?.name ?? (input.metadata?.generateName ? `${input.metadata.generateName}${crypto.randomBytes(3).toString('hex').slice(0, 5)}` : '');
    const time = now();

    if (sub === 'scale') return this.writeScale(w, manager);
    const isApply = verb === 'patch' && type.startsWith('application/apply-patch');
    // The object the request asks for, before the strategy: `candidate`; how fields are owned follows.
    let candidate;
    let managedFields;
    if (verb === 'create' || verb === 'update') {
      if (input.apiVersion && input.apiVersion !== gv(r) && sub === undefined) {
        throw E.badRequest(`the API version in the data (${input.apiVersion}) does not match the expected API version (${gv(r)})`);
      }
      if (input.kind && input.kind !== r.kind && sub === undefined) {
        throw E.badRequest(`${input.kind} in version "${r.version}" cannot be handled as a ${r.kind}: the kind in the data (${input.kind}) does not match the expected kind (${r.kind})`);
      }
      this.checkIdentity(r, ns, w.name, input);
      input = withoutNulls(input);
      if (sub === undefined) {
        // Decoded as the kind (the URL's), unknown fields refused or dropped.
        input = { ...input, apiVersion: gv(r), kind: r.kind };
        warnings.push(...this.validation.decode(r, input, { directive, crd }));
      }
      if (verb === 'create') {
        this.namespaces.admit('create', r, ns, name);
        if (!name) throw E.invalid(r, '', [{ type: 'Required value', field: 'metadata.name', detail: 'name or generateName is required' }]);
      } else {
        if (!existing) {
          if (!CREATE_ON_UPDATE.has(r.resource) || sub) {
            this.namespaces.admit('update', r, ns, name);
            throw E.notFound(r, name);
          }
          this.namespaces.admit('create', r, ns, name);
        }
        this.checkPreconditions(r, name, existing, input);
      }
      candidate = input;
    } else if (isApply) {
      if (!q.get('fieldManager')) throw E.invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [{ type: 'Required value', field: 'fieldManager', detail: 'is required for apply patch' }]);
      input = withoutNulls(input);
      if (sub === undefined) this.validation.applyPatch(r, { apiVersion: gv(r), kind: r.kind, ...input }, { ns, name, crd });
      this.checkIdentity(r, ns, name, input);
      this.namespaces.admit(existing ? 'update' : 'create', r, ns, name);
      if (sub !== undefined && !existing) throw E.notFound(r, name);
      this.checkPreconditions(r, name, existing, input);
      const result = fields.apply({ live: existing, applied: input, manager, force: q.get('force') === 'true', apiVersion: gv(r), time });
      if (result.conflicts) throw new E.ApiError(409, 'Conflict', result.conflicts.message, result.conflicts.details);
      candidate = result.fields;
      managedFields = result.managedFields;
    } else {
      if (!existing) {
        this.namespaces.admit('update', r, ns, name);
        throw E.notFound(r, name);
      }
      let patched;
      if (type.startsWith('application/json-patch+json')) patched = jsonPatch(existing, input);
      else if (type.startsWith('application/merge-patch+json')) patched = mergePatch(existing, input);
      else if (type.startsWith('application/strategic-merge-patch+json')) {
        if (crd) throw new E.ApiError(415, 'UnsupportedMediaType', 'strategic merge patch format is not supported');
        patched = strategicMerge(existing, input);
      } else {
        throw new E.ApiError(415, 'UnsupportedMediaType', `the server does not support the patch type ${type}`);
      }
      patched = withoutNulls(patched);
      this.checkIdentity(r, ns, name, patched);
      if (sub === undefined) warnings.push(...this.validation.decode(r, patched, { directive, crd }));
      this.checkPreconditions(r, name, existing, patched);
      candidate = patched;
    }

    if (sub === 'status') return this.writeStatus(w, existing, candidate, manager, time);
    if (sub === 'finalize') return this.writeFinalize(w, existing, candidate);

    if (managedFields === undefined) {
      managedFields = fields.update({ live: existing, next: candidate, manager, apiVersion: gv(r), time });
      candidate = fields.tracked(candidate);
    }
    const obj = this.prepare(r, ns, name, existing, candidate, managedFields, input);
    this.validation.validate(r, obj, existing, crd);
    if (verb === 'create' && this.store.get(r, ns, name)) throw E.alreadyExists(r, name);
    if (Buffer.byteLength(JSON.stringify(obj)) > MAX_OBJECT_BYTES) throw E.plainError('etcdserver: request is too large');
    if (dryRun) return { code: existing ? 200 : 201, body: obj };
    if (existing && obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
      // The last finalizer of an object marked for deletion is gone: so is the object.
      this.deleteObject(obj, { propagationPolicy: 'Background' });
      return { code: 200, body: obj };
    }
    this.store.put(obj);
    if (r.kind === 'Deployment' && r.group === 'apps') this.controller.reconcile(obj);
    if (r.kind === 'CustomResourceDefinition') this.kinds.known.clear();
    return { code: existing ? 200 : 201, body: this.store.get(r, ns, name) ?? obj };
  }

  /** A body's namespace and name against the URL's (400, as the real handlers check them). */
  checkIdentity(r, ns, urlName, obj) {
    const meta = obj.metadata ?? {};
    if (r.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
      throw E.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (urlName !== undefined && meta.name !== undefined && meta.name !== '' && meta.name !== urlName) {
      throw E.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${urlName})`);
    }
  }

  /** Optimistic concurrency: a resourceVersion (or uid) in the body must be the stored one. */
  checkPreconditions(r, name, existing, obj) {
    const rv = obj.metadata?.resourceVersion;
    if (existing && rv && rv !== existing.metadata.resourceVersion) throw E.conflict(r, name, E.OPTIMISTIC_LOCK);
    if (!existing && rv && rv !== '0') throw E.notFound(r, name);
    const uid = obj.metadata?.uid;
    if (existing && uid && uid !== existing.metadata.uid) {
      throw E.conflict(r, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
    }
  }

  /** The kind's strategy: identity and bookkeeping from the server, status kept, defaults, generation. */
  prepare(r, ns, name, previous, fieldsPart, managedFields, input) {
    const obj = withoutNulls(clone(fieldsPart));
    obj.apiVersion = gv(r);
    obj.kind = r.kind;
    const keep = previous?.metadata ?? {};
    obj.metadata = {
      ...obj.metadata, name, ...(r.namespaced ? { namespace: ns } : {}),
      uid: keep.uid ?? crypto.randomUUID(),
      creationTimestamp: keep.creationTimestamp ?? now(),
      ...(keep.deletionTimestamp ? { deletionTimestamp: keep.deletionTimestamp, deletionGracePeriodSeconds: keep.deletionGracePeriodSeconds } : {}),
      managedFields,
    };
    if (!obj.metadata.generateName) delete obj.metadata.generateName;
    if (keep.resourceVersion) obj.metadata.resourceVersion = keep.resourceVersion;
    const specChanged = canonical(previous?.spec) !== canonical(obj.spec);
    obj.metadata.generation = (keep.generation ?? 0) + (previous && !specChanged ? 0 : 1);
    // Status: kept from the stored object for kinds with a status subresource (none on create),
    // else as the request wrote it.
    if (hasStatus(r)) {
      if (previous?.status !== undefined) obj.status = previous.status;
      else delete obj.status;
    } else if (input?.status !== undefined && obj.status === undefined) {
      obj.status = input.status;
    }
    if (r.kind === 'Namespace' && r.group === '') {
      if (!previous) this.namespaces.prepareForCreate(obj);
      else obj.spec = previous.spec;
    }
    if (r.kind === 'Secret' && r.group === '') {
      // stringData is written into data (base64) and never stored.
      if (obj.stringData) {
        obj.data = { ...obj.data };
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
      obj.type = obj.type ?? previous?.type ?? 'Opaque';
    }
    if (r.kind === 'Service' && r.group === '') this.serviceDefaults(obj, previous);
    if (r.kind === 'CustomResourceDefinition') this.crdStatus(obj, name);
    return obj;
  }

  /** A Service's type and cluster IP: allocated on create (from 10.96.0.0/12), kept when an update leaves it out. */
  serviceDefaults(obj, previous) {
    obj.spec = obj.spec ?? {};
    const spec = obj.spec;
    spec.type = spec.type ?? 'ClusterIP';
    if (spec.type === 'ExternalName') return;
    spec.sessionAffinity = spec.sessionAffinity ?? 'None';
    for (const p of spec.ports ?? []) {
      p.protocol = p.protocol ?? 'TCP';
      if (p.targetPort === undefined) p.targetPort = p.port;
    }
    const old = previous?.spec ?? {};
    if (spec.clusterIP === undefined && spec.clusterIPs === undefined && old.clusterIP) {
      spec.clusterIP = old.clusterIP;
      spec.clusterIPs = old.clusterIPs;
    }
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const n = this.nextIp++;
      spec.clusterIP = `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
    }
    if (spec.clusterIP !== 'None' && (!spec.clusterIPs || spec.clusterIPs[0] !== spec.clusterIP)) spec.clusterIPs = [spec.clusterIP, ...(spec.clusterIPs ?? []).slice(1)];
    if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    spec.ipFamilies = spec.ipFamilies ?? ['IPv4'];
    spec.ipFamilyPolicy = spec.ipFamilyPolicy ?? 'SingleStack';
    spec.internalTrafficPolicy = spec.internalTrafficPolicy ?? 'Cluster';
    if (obj.status === undefined) obj.status = { loadBalancer: {} };
  }

  crdStatus(obj, name) {
    const ready = !(this.control.notEstablished ?? []).includes(name);
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

  /** A write to /status: only the status changes. */
  writeStatus(w, existing, candidate, manager, time) {
    const obj = clone(existing);
    if (candidate.status === undefined) delete obj.status;
    else obj.status = withoutNulls(candidate.status);
    obj.metadata.managedFields = fields.update({ live: existing, next: obj, manager, apiVersion: gv(w.r), time })
      .map((m) => (m.manager === manager ? { ...m, subresource: 'status' } : m));
    if (w.dryRun) return { code: 200, body: obj };
    return { code: 200, body: this.store.put(obj) };
  }

  /** A write to a namespace's /finalize: only spec.finalizers change; the namespace goes once none are left while it terminates. */
  writeFinalize(w, existing, candidate) {
    const obj = clone(existing);
    obj.spec = { ...obj.spec, finalizers: candidate.spec?.finalizers ?? [] };
    if (w.dryRun) return { code: 200, body: obj };
    if (obj.metadata.deletionTimestamp && !obj.spec.finalizers.length && !(obj.metadata.finalizers ?? []).length) {
      this.store.delete(obj);
      return { code: 200, body: obj };
    }
    return { code: 200, body: this.store.put(obj) };
  }

  writeScale(w, manager) {
    const { verb, r, name, type, existing, dryRun } = w;
    if (!existing) throw E.notFound(r, name);
    let scale = w.input;
    if (verb === 'patch') {
      const current = scaleOf(r, existing);
      if (type.startsWith('application/json-patch+json')) scale = jsonPatch(current, w.input);
      else if (type.startsWith('application/apply-patch')) scale = mergePatch(current, w.input);
      else if (type.startsWith('application/merge-patch+json') || type.startsWith('application/strategic-merge-patch+json')) scale = mergePatch(current, w.input);
      else throw new E.ApiError(415, 'UnsupportedMediaType', `the server does not support the patch type ${type}`);
    }
    const next = applyScale(r, existing, scale);
    next.metadata.generation = (existing.metadata.generation ?? 0) + (canonical(next.spec) === canonical(existing.spec) ? 0 : 1);
    next.metadata.managedFields = fields.update({ live: existing, next, manager, apiVersion: gv(r), time: now() })
      .map((m) => (m.manager === manager && m.operation === 'Update' ? { ...m, subresource: 'scale' } : m));
    if (!dryRun) {
      this.store.put(next);
      if (r.kind === 'Deployment' && r.group === 'apps') this.controller.reconcile(next);
    }
    return { code: 200, body: scaleOf(r, dryRun ? next : this.store.get(r, w.ns, name)) };
  }

  /**
   * A watch: with no resourceVersion (or "0") first a synthetic ADDED event per object, then the
   * events after the given resourceVersion (410 Expired when older than the log), then each new
   * one, until the client leaves or timeoutSeconds pass; BOOKMARK events every `bookmarkSeconds`
   * of the test clock (default 60) when the client allows them.
   */
  watch(req, res, entry, r, ns, q) {
    const labels = labelMatcher(q.get('labelSelector'));
    const fieldsOk = fieldMatcher(q.get('fieldSelector'));
    const matches = (o) => o.kind === r.kind && (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '') === r.group
      && (!r.namespaced || ns === undefined || o.metadata.namespace === ns) && labels(o) && fieldsOk(o);
    const rvParam = q.get('resourceVersion');
    let initial;
    if (!rvParam || rvParam === '0' || q.get('sendInitialEvents') === 'true') {
      initial = this.store.all().filter(matches).map((object) => ({ type: 'ADDED', object: clone(object) }));
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from)) throw E.badRequest(`invalid resource version: ${rvParam}`);
      initial = this.store.since(from, matches);
      if (!initial) {
        // The real server answers 200 and an ERROR event with the 410 Status.
        initial = [{ type: 'ERROR', object: E.expired(`too old resource version: ${from} (${this.store.oldest + 1})`).status }];
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    entry.status = 200;
    const w = {
      matches,
      send: (e) => res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`),
      close: () => end(),
    };
    for (const e of initial) w.send(e);
    if (q.get('sendInitialEvents') === 'true') {
      w.send({ type: 'BOOKMARK', object: { kind: r.kind, apiVersion: gv(r), metadata: { resourceVersion: String(this.store.rv), annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    }
    if (initial.some((e) => e.type === 'ERROR')) {
      entry.endSeq = ++this.seq;
      return res.end();
    }
    this.store.watchers.add(w);
    const timers = [];
    const end = () => {
      if (!this.store.watchers.delete(w)) return;
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      entry.endSeq = ++this.seq;
      res.end();
    };
    const timeout = Number(q.get('timeoutSeconds') || 0);
    if (timeout > 0) timers.push(setTimeout(end, timeout * 1000));
    if (q.get('allowWatchBookmarks') === 'true') {
      timers.push(setInterval(() => {
        w.send({ type: 'BOOKMARK', object: { kind: r.kind, apiVersion: gv(r), metadata: { resourceVersion: String(this.store.rv) } } });
      }, this.ms(this.control.bookmarkSeconds ?? 60)));
    }
    // The response's close, not the request's: a request "closes" as soon as it has been read.
    res.on('close', () => {
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      if (this.store.watchers.delete(w)) entry.endSeq = ++this.seq;
    });
    return undefined;
  }
}

module.exports = { ApiServer, MAX_REQUEST_BYTES, labelMatcher };
