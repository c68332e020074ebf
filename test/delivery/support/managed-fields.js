// FIELD OWNERSHIP for the fake API server (fake-apiserver.js), for tests only: server-side apply
// and managedFields as the API server keeps them (k8s.io/apimachinery/pkg/util/managedfields on
// sigs.k8s.io/structured-merge-diff), reduced to what the deploy's objects need. What it does
// and does not imitate is listed in README.md beside this file.
//
// A field set is a Set of path keys. A path is a list of elements, `f:<field>` for a field of an
// object and `k:<json>` for an item of a list whose items are told apart by key fields (the
// `+listType=map` lists: containers by name, ports by containerPort and protocol, ...), joined
// with "\n" into a key. A set holds the paths of the leaves a manager set (scalars, atomic lists,
// empty objects) and of the keyed list items it set (rendered `".": {}` in fieldsV1).
'use strict';

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const keyOf = (path) => path.join('\n');
/** JSON with sorted keys: the same value whatever order its fields came in (Go sends struct order). */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
const pathOf = (key) => key.split('\n');

/**
 * The key fields of a list at `path`, or undefined for an atomic list (replaced as a whole).
 * The lists of the Kubernetes 1.27 API that are `+listType=map` and occur in the targets.
 */
function listKeys(path) {
  const field = (path[path.length - 1] ?? '').slice(2);
  const inItem = path.length >= 2 && path[path.length - 2].startsWith('k:');
  switch (field) {
    case 'containers': case 'initContainers': case 'ephemeralContainers':
    case 'env': case 'volumes': case 'imagePullSecrets':
      return ['name'];
    case 'volumeMounts': return ['mountPath'];
    case 'ports':
      if (inItem) return ['containerPort', 'protocol']; // a container's ports
      if (path.length === 2 && path[0] === 'f:spec') return ['port', 'protocol']; // a Service's ports
      return undefined;
    case 'topologySpreadConstraints': return ['topologyKey', 'whenUnsatisfiable'];
    case 'ownerReferences': return ['uid'];
    default: return undefined;
  }
}

/** `k:{"containerPort":8080,"protocol":"TCP"}`: key fields sorted, protocol defaulted as the API server defaults it. */
function itemKey(keys, item) {
  const k = {};
  for (const f of [...keys].sort()) {
    let v = item[f];
    if (v === undefined && f === 'protocol') v = 'TCP';
    if (v !== undefined) k[f] = v;
  }
  return `k:${JSON.stringify(k)}`;
}
const isKeyedList = (path, value) => Array.isArray(value) && listKeys(path) !== undefined && value.every(isMap);

/** The fields of an object field ownership is about: not its identity, bookkeeping or status. */
const STRIPPED_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
function tracked(obj) {
  const o = clone(obj ?? {});
  delete o.apiVersion;
  delete o.kind;
  delete o.status;
  if (isMap(o.metadata)) {
    for (const f of STRIPPED_METADATA) delete o.metadata[f];
    if (Object.keys(o.metadata).length === 0) delete o.metadata;
  }
  return o;
}

const ITEM = Symbol('item');
/** Every owned path of a value: leaves with their JSON value, keyed list items as ITEM. */
function leaves(value, path = [], out = new Map()) {
  if (isMap(value)) {
    const fields = Object.keys(value).filter((f) => value[f] !== undefined);
    if (fields.length === 0 && path.length > 0) out.set(keyOf(path), '{}');
    for (const f of fields) leaves(value[f], [...path, `f:${f}`], out);
  } else if (isKeyedList(path, value)) {
    const keys = listKeys(path);
    for (const item of value) {
      const p = [...path, itemKey(keys, item)];
      out.set(keyOf(p), ITEM);
      leaves(item, p, out);
    }
  } else if (path.length > 0) {
    out.set(keyOf(path), canonical(value));
  }
  return out;
}

/** What changed between two objects, as structured-merge-diff's Compare: added, removed, modified paths. */
function compare(before, after) {
  const added = new Set();
  const removed = new Set();
  const modified = new Set();
  for (const [k, v] of after) {
    if (!before.has(k)) added.add(k);
    else if (v !== ITEM && before.get(k) !== v) modified.add(k);
  }
  for (const k of before.keys()) if (!after.has(k)) removed.add(k);
  return { added, removed, modified };
}

/** `applied` merged into `live`: objects field by field, keyed lists item by item, anything else replaced. */
function merge(live, applied, path = []) {
  if (isMap(applied)) {
    const out = isMap(live) ? clone(live) : {};
    for (const [f, v] of Object.entries(applied)) {
      if (v !== undefined) out[f] = merge(out[f], v, [...path, `f:${f}`]);
    }
    return out;
  }
  if (isKeyedList(path, applied) && isKeyedList(path, live)) {
    const keys = listKeys(path);
    const out = live.map(clone);
    for (const item of applied) {
      const k = itemKey(keys, item);
      const at = out.findIndex((x) => itemKey(keys, x) === k);
      if (at >= 0) out[at] = merge(out[at], item, [...path, k]);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(applied);
}

/** Deletes the field or list item at `path` from `obj`; then the objects and lists it leaves empty. */
function removePath(obj, path) {
  const chain = [obj];
  let node = obj;
  for (let i = 0; i < path.length - 1; i++) {
    node = child(node, path[i], path.slice(0, i));
    if (node === undefined) return;
    chain.push(node);
  }
  const parent = chain[chain.length - 1];
  const last = path[path.length - 1];
  if (last.startsWith('f:')) {
    if (isMap(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const keys = listKeys(path.slice(0, -1));
    const at = parent.findIndex((x) => isMap(x) && itemKey(keys, x) === last);
    if (at >= 0) parent.splice(at, 1);
  }
  // Containers left empty go too (nobody owns an object or list that only held removed fields).
  for (let i = chain.length - 1; i > 0; i--) {
    const c = chain[i];
    const empty = (isMap(c) && Object.keys(c).length === 0) || (Array.isArray(c) && c.length === 0);
    if (!empty) break;
    const el = path[i - 1];
    const up = chain[i - 1];
    if (el.startsWith('f:') && isMap(up)) delete up[el.slice(2)];
    else if (Array.isArray(up)) up.splice(up.indexOf(c), 1);
  }
}
function child(node, el, parentPath) {
  if (el.startsWith('f:')) return isMap(node) ? node[el.slice(2)] : undefined;
  if (!Array.isArray(node)) return undefined;
  const keys = listKeys(parentPath);
  return keys ? node.find((x) => isMap(x) && itemKey(keys, x) === el) : undefined;
}

/** fieldsV1, as the API server renders a set: nested `f:`/`k:` keys, `".": {}` for an owned item. */
function toFieldsV1(set) {
  const root = {};
  for (const key of [...set].sort()) {
    let node = root;
    const path = pathOf(key);
    for (const el of path) node = node[el] ?? (node[el] = {});
    if (path[path.length - 1].startsWith('k:')) node['.'] = {};
  }
  return root;
}
function fromFieldsV1(tree, path = [], out = new Set()) {
  const entries = Object.entries(tree ?? {});
  if (entries.length === 0 && path.length > 0) out.add(keyOf(path));
  for (const [el, sub] of entries) {
    if (el === '.') out.add(keyOf(path));
    else fromFieldsV1(sub, [...path, el], out);
  }
  return out;
}

/** `.spec.template.spec.containers[name="nginx1"].image`, as structured-merge-diff prints a path. */
function printPath(key) {
  return pathOf(key).map((el) => {
    if (el.startsWith('f:')) return `.${el.slice(2)}`;
    const k = JSON.parse(el.slice(2));
    return `[${Object.entries(k).map(([f, v]) => `${f}=${JSON.stringify(v)}`).join(',')}]`;
  }).join('');
}

/** managedFields entries (as stored on an object) as managers: id `<manager>|<operation>` -> { entry, set }. */
function readManagers(obj) {
  const managers = new Map();
  for (const e of obj?.metadata?.managedFields ?? []) {
    const { fieldsV1, ...entry } = e;
    managers.set(`${e.manager}|${e.operation}`, { entry, set: fromFieldsV1(fieldsV1) });
  }
  return managers;
}
function writeManagers(managers) {
  return [...managers.values()].filter((m) => m.set.size > 0)
    .map((m) => ({ ...m.entry, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(m.set) }));
}
const printManager = (entry) => (entry.operation === 'Update'
  ? `"${entry.manager}" using ${entry.apiVersion} at ${entry.time}` : `"${entry.manager}"`);

/** The Status an apply conflict answers with (409), worded as the API server words it. */
function conflictStatus(conflicts) {
  const causes = conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: printPath(c.path) }));
  let message;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].entry)}: ${printPath(conflicts[0].path)}`;
  } else {
    const byManager = new Map();
    for (const c of conflicts) {
      const m = printManager(c.entry);
      byManager.set(m, [...(byManager.get(m) ?? []), printPath(c.path)]);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${[...byManager.keys()].sort()
      .map((m) => [`conflicts with ${m}:`, ...byManager.get(m).map((p) => `- ${p}`)].join('\n')).join('\n')}`;
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 };
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined: a create). Returns
 * `{ conflicts }` (a Status) when the apply would change a field another manager owns and
 * `force` is off; else `{ fields, managedFields }`: the object's new fields (what ownership is
 * about; the caller adds identity and status) and the new managedFields.
 */
function apply({ live, applied, manager, force, apiVersion, time }) {
  const managers = readManagers(live);
  const liveFields = tracked(live);
  const appliedFields = tracked(applied);
  const merged = merge(liveFields, appliedFields);
  const { added, modified } = compare(leaves(liveFields), leaves(merged));
  const self = `${manager}|Apply`;
  const conflicts = [];
  for (const [id, m] of managers) {
    if (id === self) continue;
    for (const p of m.set) if (added.has(p) || modified.has(p)) conflicts.push({ id, entry: m.entry, path: p });
  }
  if (conflicts.length > 0 && !force) return { conflicts: conflictStatus(conflicts) };
  // Forced: the fields change owner.
  for (const c of conflicts) managers.get(c.id).set.delete(c.path);

  // Fields this manager applied last time and not now are removed, unless another manager owns them.
  const appliedSet = new Set(leaves(appliedFields).keys());
  const previous = managers.get(self)?.set ?? new Set();
  const ownedByOthers = (p) => [...managers].some(([id, m]) => id !== self
    && [...m.set].some((q) => q === p || q.startsWith(`${p}\n`)));
  for (const p of [...previous].sort((a, b) => b.length - a.length)) {
    if (!appliedSet.has(p) && !ownedByOthers(p)) removePath(merged, pathOf(p));
  }
  managers.set(self, { entry: { manager, operation: 'Apply', apiVersion, time }, set: appliedSet });
  dropMissing(managers, leaves(merged));
  return { fields: merged, managedFields: writeManagers(managers) };
}

/**
 * A write that is not an apply (create, update, JSON or merge patch) by `manager`: it owns every
 * field it changed, which no other manager owns any more; removed fields are nobody's.
 */
function update({ live, next, manager, apiVersion, time }) {
  const managers = readManagers(live);
  const after = leaves(tracked(next));
  const { added, modified, removed } = compare(leaves(tracked(live)), after);
  const self = `${manager}|Update`;
  for (const [id, m] of managers) {
    if (id === self) continue;
    for (const p of [...added, ...modified, ...removed]) m.set.delete(p);
  }
  const mine = managers.get(self)?.set ?? new Set();
  for (const p of [...added, ...modified]) mine.add(p);
  if (mine.size > 0) managers.set(self, { entry: { manager, operation: 'Update', apiVersion, time }, set: mine });
  else if (managers.has(self)) managers.get(self).entry.time = time;
  dropMissing(managers, after);
  return writeManagers(managers);
}

function dropMissing(managers, present) {
  for (const m of managers.values()) for (const p of [...m.set]) if (!present.has(p)) m.set.delete(p);
}

/** The manager of a request without `fieldManager`: the User-Agent up to its first "/" (kubectl/v1.27.1 ... -> kubectl). */
const managerFromUserAgent = (userAgent) => String(userAgent ?? '').split('/')[0].replace(/[^\x20-\x7e]/g, '').slice(0, 128);

module.exports = { apply, update, tracked, managerFromUserAgent, printPath, leaves, toFieldsV1, fromFieldsV1 };
