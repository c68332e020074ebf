// NAMESPACES of the test API server: the NamespaceLifecycle admission plugin and the namespace
// controller.
// - A new server holds `default`, `kube-system`, `kube-public` and `kube-node-lease`, as a new
//   cluster does; their UIDs stay for the life of the server process (a reset empties the cluster,
//   it does not make another one): `kube-system`'s UID is the cluster's identity.
// - Nothing is created, not even in a dry run, in a namespace that does not exist (404) or that is
//   being terminated (403 "unable to create new content in namespace X because it is being
//   terminated", cause NamespaceTerminating); `default`, `kube-system` and `kube-public` may not
//   be deleted (403).
// - DELETE of a namespace makes it Terminating (deletionTimestamp, status.phase and conditions);
//   the namespace controller then deletes its content (objects with finalizers stay, marked for
//   deletion, until their finalizers are removed), removes its `kubernetes` finalizer, and the
//   namespace goes once its metadata.finalizers are empty too. The controller runs one second of
//   the test clock (`timeScale`) after the delete, then again every second until it is done.
'use strict';
const crypto = require('crypto');
const E = require('./errors');

const SYSTEM = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false };

class Namespaces {
  /** @param server the ApiServer (store, now, ms, removeObject, deleteObject) */
  constructor(server) {
    this.server = server;
    /** UIDs of the system namespaces, for the life of the process. */
    this.uids = Object.fromEntries(SYSTEM.map((n) => [n, crypto.randomUUID()]));
    this.timers = new Set();
  }

  /** The system namespaces of a new cluster. */
  bootstrap() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const time = this.server.now();
    for (const name of SYSTEM) {
      this.server.store.put({
        apiVersion: 'v1', kind: 'Namespace',
        metadata: {
          name, uid: this.uids[name], creationTimestamp: time, labels: { 'kubernetes.io/metadata.name': name },
          managedFields: [{ manager: 'kube-apiserver', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } } }],
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }

  /** One of the system namespaces of a new cluster, as bootstrapped (same UID). */
  isSystem(obj) {
    return obj.kind === 'Namespace' && obj.apiVersion === 'v1' && this.uids[obj.metadata.name] === obj.metadata.uid;
  }

  get(name) {
    return this.server.store.get(NAMESPACES, undefined, name);
  }

  /** NamespaceLifecycle, for a write of `verb` to `ns` (dry runs too). */
  admit(verb, r, ns, name) {
    if (!r.namespaced || ns === undefined) return;
    const namespace = this.get(ns);
    if (!namespace) throw E.notFound(NAMESPACES, ns);
    if (verb === 'create' && namespace.status?.phase === 'Terminating') {
      throw E.forbidden(r, name ?? '', `unable to create new content in namespace ${ns} because it is being terminated`,
        [{ type: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }]);
    }
  }

  /** A namespace's defaults (the strategy's PrepareForCreate and the namespace's own label). */
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  }

  /** DELETE of a namespace: it becomes Terminating; the controller takes it from there. */
  delete(ns, dryRun) {
    const name = ns.metadata.name;
    if (UNDELETABLE.has(name)) throw E.forbidden(NAMESPACES, name, 'this namespace may not be deleted');
    if (ns.metadata.deletionTimestamp) {
      throw E.conflict(NAMESPACES, name, 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');
    }
    const next = JSON.parse(JSON.stringify(ns));
    next.metadata.deletionTimestamp = this.server.now();
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { phase: 'Terminating' };
    if (dryRun) return next;
    this.server.store.put(next);
    this.schedule(name);
    return next;
  }

  schedule(name) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.finalize(name);
    }, this.server.ms(1));
    this.timers.add(t);
  }

  /** One pass of the namespace controller over a Terminating namespace. */
  finalize(name) {
    const ns = this.get(name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    const store = this.server.store;
    const content = store.all().filter((o) => o.metadata.namespace === name);
    for (const o of content) this.server.deleteObject(o, { propagationPolicy: 'Background' });
    const left = store.all().filter((o) => o.metadata.namespace === name);
    const time = this.server.now();
    const next = JSON.parse(JSON.stringify(ns));
    const withFinalizers = left.filter((o) => (o.metadata.finalizers ?? []).length > 0);
    next.status = {
      phase: 'Terminating',
      conditions: [
        { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered', lastTransitionTime: time },
        { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed', lastTransitionTime: time },
        { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization', lastTransitionTime: time },
        left.length
          ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${summary(left)}`, lastTransitionTime: time }
          : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed', lastTransitionTime: time },
        withFinalizers.length
          ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizerSummary(withFinalizers)}`, lastTransitionTime: time }
          : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished', lastTransitionTime: time },
      ],
    };
    if (left.length === 0) next.spec = { ...next.spec, finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') };
    if ((next.spec?.finalizers ?? []).length === 0 && (next.metadata.finalizers ?? []).length === 0) {
      store.delete(next);
      return;
    }
    if (JSON.stringify(next.status) !== JSON.stringify(ns.status) || JSON.stringify(next.spec) !== JSON.stringify(ns.spec)) store.put(next);
    this.schedule(name);
  }
}

function summary(objects) {
  const counts = new Map();
  for (const o of objects) {
    const r = `${o.kind.toLowerCase()}s${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}`;
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return [...counts].sort().map(([r, n]) => `${r} has ${n} object${n === 1 ? '' : 's'}`).join(', ');
}
function finalizerSummary(objects) {
  const counts = new Map();
  for (const o of objects) for (const f of o.metadata.finalizers) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].sort().map(([f, n]) => `${f} in ${n} resource instance${n === 1 ? '' : 's'}`).join(', ');
}

module.exports = { Namespaces, SYSTEM, NAMESPACES };
