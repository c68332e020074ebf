// STORAGE of the test API server: the objects (what etcd holds), one resourceVersion counter for
// all of them (as etcd's revision), the event log watches replay from, and the open watches.
// Every write gets a new resourceVersion; a watch from resourceVersion N gets every event after N
// that it matches, then each new one; a watch from a resourceVersion older than the event log
// keeps gets 410 Expired, as from the real server's watch cache.
'use strict';

const clone = (o) => JSON.parse(JSON.stringify(o));
const EVENTS_KEPT = 5000;

class Store {
  /** @param kinds Kinds (resource of an object) */
  constructor(kinds) {
    this.kinds = kinds;
    this.reset();
    this.watchers = new Set();
  }

  reset() {
    /** `${group}/${resource}/${namespace}/${name}` -> object */
    this.objects = new Map();
    this.events = [];
    this.rv = this.rv ?? 1;
    /** The oldest resourceVersion a watch can start from. */
    this.oldest = this.rv;
  }

  keyOf(r, ns, name) {
    return `${r.group}/${r.resource}/${r.namespaced ? ns : ''}/${name}`;
  }

  objectKey(obj) {
    return this.keyOf(this.kinds.of(obj), obj.metadata.namespace, obj.metadata.name);
  }

  get(r, ns, name) {
    return this.objects.get(this.keyOf(r, ns, name));
  }

  /** Objects of a kind (by Kind, and group when given), in a namespace or all. */
  list(kind, namespace, group) {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)
      && (group === undefined || (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '') === group));
  }

  all() {
    return [...this.objects.values()];
  }

  /** Stores an object under a new resourceVersion and tells the watchers. */
  put(obj) {
    const key = this.objectKey(obj);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.emit(type, obj);
    return obj;
  }

  /** Removes an object (the last step of its deletion), under a new resourceVersion. */
  delete(obj) {
    const key = this.objectKey(obj);
    if (!this.objects.delete(key)) return undefined;
    const gone = clone(obj);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', gone);
    return gone;
  }

  emit(type, object) {
    const event = { rv: Number(object.metadata.resourceVersion), type, object: clone(object) };
    this.events.push(event);
    if (this.events.length > EVENTS_KEPT) {
      this.events = this.events.slice(-EVENTS_KEPT / 2);
      this.oldest = this.events[0].rv - 1;
    }
    for (const w of this.watchers) if (w.matches(event.object)) w.send(event);
  }

  /** Events after `rv` that match, or undefined when `rv` is older than the log. */
  since(rv, matches) {
    if (rv < this.oldest) return undefined;
    return this.events.filter((e) => e.rv > rv && matches(e.object));
  }
}

module.exports = { Store, clone };
