// PATCHES of the test API server (the non-apply PATCH bodies): JSON merge patch (RFC 7386), JSON
// patch (RFC 6902: add, remove, replace, move, copy, test; "-" appends) and strategic merge patch
// as k8s.io/apimachinery/pkg/util/strategicpatch applies it to the kinds served here: maps merged,
// lists of the built-in kinds merged by their patch merge key (containers by name, ports by
// containerPort/port, ...), other lists replaced, and the directives `$patch` (replace, delete,
// merge), `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` (the
// order is kept as the patch gives it).
'use strict';
const E = require('./errors');

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function mergePatch(base, patch) {
  if (!isMap(patch)) return clone(patch);
  const out = isMap(base) ? clone(base) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(obj, ops) {
  if (!Array.isArray(ops)) throw E.badRequest('the JSON patch is not an array of operations');
  let doc = clone(obj);
  const parse = (p) => (p === '' ? [] : String(p).split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~')));
  const get = (parts) => parts.reduce((at, p) => (at === undefined || at === null ? undefined : at[p]), doc);
  const fail = (op, why) => { throw E.plainError(`the server rejected our request due to an error in our request: ${op.op} operation at ${op.path}: ${why}`); };
  const set = (op, parts, value, insert) => {
    if (parts.length === 0) { doc = value; return; }
    const parent = get(parts.slice(0, -1));
    const last = parts[parts.length - 1];
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) fail(op, `index ${last} out of range`);
      if (insert) parent.splice(i, 0, value); else parent[i] = value;
    } else if (isMap(parent)) {
      if (!insert && !(last in parent)) fail(op, 'replace operation does not apply: doc is missing key');
      parent[last] = value;
    } else {
      fail(op, 'doc is missing path');
    }
  };
  const remove = (op, parts) => {
    const parent = get(parts.slice(0, -1));
    const last = parts[parts.length - 1];
    if (Array.isArray(parent) && Number(last) < parent.length) return parent.splice(Number(last), 1)[0];
    if (isMap(parent) && last in parent) {
      const v = parent[last];
      delete parent[last];
      return v;
    }
    return fail(op, 'remove operation does not apply: doc is missing path');
  };
  for (const op of ops) {
    const parts = parse(op.path);
    switch (op.op) {
      case 'add': set(op, parts, clone(op.value), true); break;
      case 'replace': set(op, parts, clone(op.value), false); break;
      case 'remove': remove(op, parts); break;
      case 'move': set(op, parts, remove(op, parse(op.from)), true); break;
      case 'copy': set(op, parts, clone(get(parse(op.from))), true); break;
      case 'test':
        if (JSON.stringify(get(parts)) !== JSON.stringify(op.value)) fail(op, 'testing value failed');
        break;
      default: fail(op, `unknown operation ${op.op}`);
    }
  }
  return doc;
}

/** The patch merge key of a list of the built-in kinds (their `patchMergeKey` tags), by field name and place. */
function mergeKey(field, path) {
  switch (field) {
    case 'containers': case 'initContainers': case 'ephemeralContainers': case 'env': case 'volumes': case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts': return 'mountPath';
    case 'ports': return path.length === 2 && path[0] === 'spec' ? 'port' : 'containerPort';
    case 'ownerReferences': return 'uid';
    case 'conditions': return 'type';
    case 'tolerations': case 'topologySpreadConstraints': return undefined;
    default: return undefined;
  }
}

/** A strategic merge patch applied to `base` (`path`: where in the object, for merge keys). */
function strategicMerge(base, patch, path = []) {
  if (!isMap(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch, ...rest } = patch;
    return strategicMerge(undefined, rest, path);
  }
  if (patch.$patch === 'delete') return undefined;
  let out = isMap(base) ? clone(base) : {};
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = out[field].filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const key = mergeKey(k, [...path, k]);
      out[k] = key && v.every(isMap) ? mergeList(out[k], v, key, [...path, k], patch[`$setElementOrder/${k}`]) : clone(v.filter((x) => !(isMap(x) && x.$patch)));
    } else {
      const merged = strategicMerge(out[k], v, [...path, k]);
      if (merged === undefined) delete out[k]; else out[k] = merged;
    }
  }
  return out;
}

function mergeList(base, patch, key, path, order) {
  let out = Array.isArray(base) ? clone(base) : [];
  for (const item of patch) {
    const at = out.findIndex((x) => isMap(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = strategicMerge(out[at], item, path);
    } else {
      const { $patch, ...rest } = item;
      out.push(strategicMerge(undefined, rest, path));
    }
  }
  if (Array.isArray(order)) {
    const rank = (x) => {
      const i = order.findIndex((o) => o[key] === x[key]);
      return i < 0 ? order.length : i;
    };
    out = out.map((x, i) => [x, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([x]) => x);
  }
  return out;
}

module.exports = { mergePatch, jsonPatch, strategicMerge };
