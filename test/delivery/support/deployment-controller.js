// THE DEPLOYMENT CONTROLLER of the fake API server (fake-apiserver.js), for tests only: what
// kube-controller-manager's deployment controller (pkg/controller/deployment: sync.go,
// progress.go, rollback revisions) does that `kubectl rollout status`, `rollout undo` and the
// deploy command read, with no pods behind it. What it does and does not imitate is listed in
// README.md beside this file.
//
// - One ReplicaSet per pod template, named <deployment>-<hash>, owned by the Deployment, with
//   the Deployment's annotations copied as the controller copies them and
//   `deployment.kubernetes.io/revision`; a template that matches an older ReplicaSet (a
//   rollback) makes that one current again under the next revision number.
// - The Deployment's revision annotation, written as an update by "kube-controller-manager".
// - The status a rollout goes through: new replicas updated, then available
//   (Progressing=True NewReplicaSetAvailable); `observedGeneration` follows `generation`.
// - progressDeadlineSeconds (default 600): a rollout without progress for that long gets
//   Progressing=False ProgressDeadlineExceeded, counted from its last progress as the real
//   controller counts it. The test clock runs `timeScale` times real time (0.01: 600 s pass
//   in 6 s).
//
// How the pods of a Deployment behave is set by the control state (see fake-apiserver.js):
//   failImages  an image containing one of these strings never becomes ready: the rollout
//               stalls until its progress deadline, the old replicas keep serving
//   slowImages  ...becomes ready one replica at a time, each 0.6 progress deadlines after the
//               previous: slower in total than the deadline, but never without progress
//   unavailable Deployment names that lack one available replica whatever their template (a
//               cluster short of capacity); a rollout of them never completes
'use strict';
const crypto = require('crypto');

const REVISION = 'deployment.kubernetes.io/revision';
/** Annotations the controller does not copy from a Deployment to its ReplicaSets (deployment/util). */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION,
  'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas', 'deprecated.deployment.rollback.to']);

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (o) => JSON.parse(JSON.stringify(o));
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
/**
 * A pod template as the controller compares them (equalIgnoreHash): without the hash label, and
 * with what a typed API server does not keep apart, the same: null, a zero number and an empty
 * object are all "not set" (kubectl's Go structs send `creationTimestamp: null` and leave out
 * `initialDelaySeconds: 0`, and the API server stores neither).
 */
function withoutHash(template) {
  const t = clone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return canonical(unset(t));
}
function unset(v) {
  if (Array.isArray(v)) return v.map(unset);
  if (!isMap(v)) return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const y = unset(x);
    if (y === null || y === 0 || (isMap(y) && Object.keys(y).length === 0)) continue;
    out[k] = y;
  }
  return out;
}
const revisionOf = (o) => Number(o.metadata.annotations?.[REVISION] ?? 0);

class DeploymentController {
  /**
   * @param api  the server's store: list(kind, ns), put(obj) (stores, notifies watchers),
   *             remove(obj) (deletes, with the garbage collector's cascade),
   *             updateAs(manager, obj, next) (a write with managedFields), now()
   * @param control the live control state (failImages, slowImages, unavailable, timeScale)
   */
  constructor(api, control) {
    this.api = api;
    this.control = control;
    /** Deployment uid -> the rollout in progress: { rs, lastProgress, ready, timers[] }. */
    this.rollouts = new Map();
    /** Deployment uid -> name of the ReplicaSet its current template belongs to. */
    this.current = new Map();
  }

  /** After every write of a Deployment's spec or metadata. */
  reconcile(d) {
    const uid = d.metadata.uid;
    const owned = this.api.list('ReplicaSet', d.metadata.namespace)
      .filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
    const newest = Math.max(0, ...owned.map(revisionOf));
    let rs = owned.find((x) => withoutHash(x.spec.template) === withoutHash(d.spec.template));
    const annotations = Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
    if (!rs) {
      const hash = crypto.createHash('sha256').update(withoutHash(d.spec.template)).digest('hex').slice(0, 10);
      const template = clone(d.spec.template ?? {});
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'pod-template-hash': hash } };
      rs = {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, uid: crypto.randomUUID(),
          creationTimestamp: this.api.now(), labels: template.metadata.labels,
          annotations: { ...annotations, [REVISION]: String(newest + 1) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas: d.spec.replicas ?? 1, selector: d.spec.selector, template },
      };
      this.api.put(rs);
    } else if (revisionOf(rs) !== newest) {
      // A rollback: the old ReplicaSet is current again, under the next revision.
      rs = clone(rs);
      rs.metadata.annotations = { ...annotations, [REVISION]: String(newest + 1) };
      this.api.put(rs);
    }
    if (d.metadata.annotations?.[REVISION] !== rs.metadata.annotations[REVISION]) {
      const next = clone(d);
      next.metadata.annotations = { ...next.metadata.annotations, [REVISION]: rs.metadata.annotations[REVISION] };
      d = this.api.updateAs('kube-controller-manager', d, next);
    }
    if (this.current.get(uid) !== rs.metadata.name) {
      this.current.set(uid, rs.metadata.name);
      this.startRollout(d, rs);
    } else {
      this.writeStatus(d);
    }
  }

  /**
   * A Deployment was deleted: its rollout stops, its ReplicaSets go (garbage collection), unless
   * the delete orphans them (the API server's garbage collector then only drops their owner reference).
   */
  forget(d, orphan = false) {
    this.stop(d.metadata.uid);
    this.current.delete(d.metadata.uid);
    if (orphan) return;
    for (const rs of this.api.list('ReplicaSet', d.metadata.namespace)) {
      if ((rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid)) this.api.remove(rs);
    }
  }

  stop(uid) {
    for (const t of this.rollouts.get(uid)?.timers ?? []) clearTimeout(t);
    this.rollouts.delete(uid);
  }

  /** Milliseconds of real time for `seconds` of the test clock. */
  ms(seconds) {
    return Math.max(1, Math.round(seconds * 1000 * (this.control.timeScale ?? 1)));
  }

  deadlineSeconds(d) {
    return d.spec.progressDeadlineSeconds ?? 600;
  }

  matches(d, list) {
    return (d.spec.template?.spec?.containers ?? []).some((c) => (list ?? []).some((s) => String(c.image).includes(s)));
  }

  startRollout(d, rs) {
    const uid = d.metadata.uid;
    const wasAvailable = d.status?.availableReplicas ?? 0;
    this.stop(uid);
    const rollout = { rs: rs.metadata.name, lastProgress: this.api.now(), ready: 0, wasAvailable, timedOut: false, timers: [] };
    this.rollouts.set(uid, rollout);
    const key = { namespace: d.metadata.namespace, name: d.metadata.name, uid };
    const later = (ms, fn) => rollout.timers.push(setTimeout(() => { if (this.rollouts.get(uid) === rollout) fn(); }, ms));
    const deadline = () => {
      // Timers fire in the order they are due: a step due before the deadline always runs first
      // and re-arms it, however late the machine runs them.
      for (const t of rollout.timers.splice(0)) clearTimeout(t);
      later(this.ms(this.deadlineSeconds(d)), () => {
        rollout.timedOut = true;
        this.refresh(key);
      });
    };
    const replicas = d.spec.replicas ?? 1;
    if (this.matches(d, this.control.failImages) || (this.control.unavailable ?? []).includes(d.metadata.name)) {
      deadline();
    } else if (this.matches(d, this.control.slowImages)) {
      const step = () => {
        rollout.ready += 1;
        rollout.lastProgress = this.api.now();
        this.refresh(key);
        if (rollout.ready < replicas) {
          deadline();
          later(this.ms(this.deadlineSeconds(d) * 0.6), step);
        }
      };
      deadline();
      later(this.ms(this.deadlineSeconds(d) * 0.6), step);
    } else {
      // A healthy template: ready on the next turn, so that a watcher first sees the rollout
      // in progress and then its end, as it would on a cluster.
      later(5, () => {
        rollout.ready = replicas;
        this.refresh(key);
      });
    }
    this.writeStatus(d);
  }

  refresh({ namespace, name, uid }) {
    const d = this.api.list('Deployment', namespace).find((x) => x.metadata.name === name && x.metadata.uid === uid);
    if (d) this.writeStatus(d);
  }

  /** The status kubectl reads, from the rollout's state. */
  writeStatus(d) {
    const next = clone(d);
    const replicas = d.spec.replicas ?? 1;
    const rollout = this.rollouts.get(d.metadata.uid);
    const rsName = this.current.get(d.metadata.uid);
    const short = (this.control.unavailable ?? []).includes(d.metadata.name) ? 1 : 0;
    const time = this.api.now();
    const progressing = (status, reason, message, lastUpdate = time) => ({ type: 'Progressing', status, reason, message, lastUpdateTime: lastUpdate, lastTransitionTime: lastUpdate });
    const available = (n) => (n >= replicas
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: time, lastTransitionTime: time }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: time, lastTransitionTime: time });
    const done = !rollout || (rollout.ready >= replicas && short === 0);
    if (done) {
      if (rollout) this.stop(d.metadata.uid);
      const n = replicas - short;
      next.status = {
        observedGeneration: d.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: n, availableReplicas: n,
        ...(short ? { unavailableReplicas: short } : {}),
        conditions: [available(n), progressing('True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)],
      };
    } else {
      const old = Math.min(rollout.wasAvailable, replicas);
      const n = Math.max(0, Math.min(replicas, old + rollout.ready) - short);
      next.status = {
        observedGeneration: d.metadata.generation,
        replicas: replicas + 1, updatedReplicas: Math.min(replicas, rollout.ready + 1), readyReplicas: n, availableReplicas: n,
        unavailableReplicas: Math.max(0, replicas - n),
        conditions: [available(n), rollout.timedOut
          ? progressing('False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`)
          : progressing('True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, rollout.lastProgress)],
      };
    }
    this.api.put(next, { statusOnly: true });
  }
}

module.exports = { DeploymentController };
