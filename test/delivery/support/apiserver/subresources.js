// SUBRESOURCES of the test API server: /status and /scale, as the real server serves them.
// - A kind with a status subresource (Deployment, ReplicaSet, Service, Namespace, ... and custom
//   kinds whose CRD says `subresources: {status: {}}`): a write to the object itself keeps the
//   stored status (on create: none), and a write to /status changes only the status (and bumps no
//   generation).
// - /scale (Deployment, ReplicaSet, custom kinds with `subresources.scale`): an autoscaling/v1
//   Scale read from the object (spec.replicas, status.replicas, the selector as a string);
//   writing it (PUT, or a merge/JSON/strategic patch of the Scale) sets the object's replicas.
'use strict';
const E = require('./errors');

const hasStatus = (r) => r.subresources.includes('status');

/** The value at a CRD's JSON path (`.spec.replicas`). */
function atPath(obj, p) {
  return String(p ?? '').split('.').filter(Boolean).reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}
function setPath(obj, p, value) {
  const parts = String(p).split('.').filter(Boolean);
  const last = parts.pop();
  let o = obj;
  for (const k of parts) o = o[k] ?? (o[k] = {});
  o[last] = value;
}

/** `app=web,tier in (front)`: a label selector as a string (metav1.FormatLabelSelector). */
function formatSelector(s) {
  if (!s) return '';
  if (typeof s === 'string') return s;
  const parts = Object.keys(s.matchLabels ?? {}).sort().map((k) => `${k}=${s.matchLabels[k]}`);
  for (const e of s.matchExpressions ?? []) {
    const op = { In: 'in', NotIn: 'notin' }[e.operator];
    if (op) parts.push(`${e.key} ${op} (${[...(e.values ?? [])].sort().join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The Scale of an object. */
function scaleOf(r, obj) {
  const paths = r.scale ?? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };
  const selector = r.scale ? atPath(obj, paths.labelSelectorPath) : obj.spec?.selector;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: atPath(obj, paths.specReplicasPath) ?? (r.scale ? 0 : 1) },
    status: { replicas: atPath(obj, paths.statusReplicasPath) ?? 0, ...(selector ? { selector: formatSelector(selector) } : {}) },
  };
}

/** The object with the replicas of a written Scale; 422 for a negative count, 409 for a stale resourceVersion. */
function applyScale(r, obj, scale) {
  const replicas = scale?.spec?.replicas;
  const scaleKind = { group: 'autoscaling', kind: 'Scale', resource: 'scale' };
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw E.invalid(scaleKind, obj.metadata.name, [{ type: 'Invalid value', field: 'spec.replicas', value: replicas ?? 0, detail: 'must be greater than or equal to 0' }]);
  }
  const rv = scale.metadata?.resourceVersion;
  if (rv && rv !== obj.metadata.resourceVersion) throw E.conflict(r, obj.metadata.name, E.OPTIMISTIC_LOCK);
  const next = JSON.parse(JSON.stringify(obj));
  setPath(next, r.scale?.specReplicasPath ?? '.spec.replicas', replicas);
  return next;
}

module.exports = { hasStatus, scaleOf, applyScale, formatSelector };
