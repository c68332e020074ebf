// KINDS AND DISCOVERY of the test API server: the built-in kinds it serves (those the deploy and
// helm touch), the custom kinds of its Established CRDs, and the discovery documents clients read
// (/version, /api, /apis, /apis/<group>, /api/v1, /apis/<group>/<version>, legacy format: clients
// that ask for aggregated discovery fall back to it). A custom kind is served only while its CRD
// is stored and Established; anything else is not served (404), as on a cluster without the CRD.
'use strict';

/**
 * The built-in kinds: [group, version, resource, Kind, namespaced, subresources, short names].
 * `status`: a status subresource (writes to the object keep its status; /status writes only it);
 * `scale`: a scale subresource; `finalize`: the namespace's.
 */
const BUILT_IN = [
  ['', 'v1', 'namespaces', 'Namespace', false, ['status', 'finalize'], ['ns']],
  ['', 'v1', 'secrets', 'Secret', true, [], []],
  ['', 'v1', 'configmaps', 'ConfigMap', true, [], ['cm']],
  ['', 'v1', 'services', 'Service', true, ['status'], ['svc']],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, [], ['sa']],
  ['', 'v1', 'pods', 'Pod', true, ['status'], ['po']],
  ['', 'v1', 'events', 'Event', true, [], ['ev']],
  ['apps', 'v1', 'deployments', 'Deployment', true, ['status', 'scale'], ['deploy']],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true, ['status', 'scale'], ['rs']],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['status'], ['pdb']],
  ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, [], ['netpol']],
  ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['status'], ['ing']],
  ['autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['status'], ['hpa']],
  ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, [], ['pc']],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['status'], ['crd', 'crds']],
].map(([group, version, resource, kind, namespaced, subresources, shortNames]) => ({ group, version, resource, kind, namespaced, subresources, shortNames }));

/** Kinds whose PUT of a missing object creates it (their strategy's AllowCreateOnUpdate): none of those served here but events. */
const CREATE_ON_UPDATE = new Set(['events']);

const gv = (r) => (r.group ? `${r.group}/${r.version}` : r.version);
const established = (crd) => (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');

/** The kinds a CRD defines, one per served version. */
function crdKinds(crd) {
  const subresources = (v) => {
    const s = v.subresources ?? crd.spec.subresources ?? {};
    return [...(s.status ? ['status'] : []), ...(s.scale ? ['scale'] : [])];
  };
  return (crd.spec.versions ?? []).filter((v) => v.served !== false).map((v) => ({
    group: crd.spec.group, version: v.name, resource: crd.spec.names.plural, kind: crd.spec.names.kind,
    namespaced: crd.spec.scope === 'Namespaced', subresources: subresources(v), shortNames: crd.spec.names.shortNames ?? [],
    categories: crd.spec.names.categories ?? [], crd: crd.metadata.name, scale: (v.subresources ?? crd.spec.subresources ?? {}).scale,
  }));
}

class Kinds {
  /** @param crds () => the stored CRDs */
  constructor(crds) {
    this.crds = crds;
    /** `<group>/<Kind>` -> resource, of every kind served so far (a custom kind stays known after its CRD goes). */
    this.known = new Map(BUILT_IN.map((r) => [`${r.group}/${r.kind}`, r]));
  }

  /** Every kind served now: the built-in ones and those of Established CRDs. */
  served() {
    const out = [...BUILT_IN];
    for (const crd of this.crds()) if (established(crd)) out.push(...crdKinds(crd));
    return out;
  }

  /** The resource of an object's kind (served now or earlier). */
  of(obj) {
    const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
    const key = `${group}/${obj.kind}`;
    if (!this.known.has(key)) for (const r of this.served()) this.known.set(`${r.group}/${r.kind}`, r);
    return this.known.get(key);
  }

  /** `/api/v1/namespaces/ns/services/x/status` -> { r, ns, name, sub }, for served kinds only. */
  route(path) {
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path);
    if (!m) return undefined;
    const group = m[1] ?? '';
    const version = m[1] ? m[2] : 'v1';
    let segs = m[3].split('/').filter(Boolean).map(decodeURIComponent);
    let ns;
    // /namespaces/{ns}/{resource}/...: namespaced; /namespaces/{name}/status|finalize: a namespace's subresource.
    if (segs[0] === 'namespaces' && segs.length >= 3 && !(segs.length === 3 && ['status', 'finalize'].includes(segs[2]))) {
      ns = segs[1];
      segs = segs.slice(2);
    }
    if (segs.length > 3) return undefined;
    const r = this.served().find((x) => x.group === group && x.version === version && x.resource === segs[0]);
    if (!r) return undefined;
    if (ns !== undefined && !r.namespaced) return undefined;
    if (segs[2] !== undefined && !r.subresources.includes(segs[2])) return undefined;
    return { r, ns, name: segs[1], sub: segs[2] };
  }

  /** The discovery document at `path`, or undefined. */
  discovery(path, version) {
    if (path === '/version') {
      return { major: '1', minor: '27', gitVersion: 'v1.27.1', gitCommit: '4c9411232e10168d7b050c49a1b59f6df9d7ea4b', gitTreeState: 'clean',
        buildDate: '2023-04-14T13:14:42Z', goVersion: 'go1.20.3', compiler: 'gc', platform: 'linux/amd64', ...version };
    }
    const resources = this.served();
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
    const groupOf = (name) => {
      const versions = [...new Set(resources.filter((r) => r.group === name).map((r) => r.version))]
        .map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return versions.length ? { name, versions, preferredVersion: versions[0] } : undefined;
    };
    if (path === '/apis') {
      const groups = [...new Set(resources.filter((r) => r.group).map((r) => r.group))].map(groupOf);
      return { kind: 'APIGroupList', apiVersion: 'v1', groups };
    }
    const g = /^\/apis\/([^/]+)$/.exec(path);
    if (g) {
      const group = groupOf(g[1]);
      return group ? { kind: 'APIGroup', apiVersion: 'v1', ...group } : undefined;
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    const groupVersion = m[1] ?? `${m[2]}/${m[3]}`;
    const list = [];
    for (const r of resources.filter((x) => gv(x) === groupVersion)) {
      const verbs = r.resource === 'namespaces' ? ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
        : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
      list.push({
        name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories?.length ? { categories: r.categories } : {}),
      });
      for (const sub of r.subresources) {
        const kind = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: r.kind };
        list.push({ name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, ...kind, verbs: sub === 'finalize' ? ['update'] : ['get', 'patch', 'update'] });
      }
    }
    return list.length ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: list } : undefined;
  }
}

module.exports = { Kinds, BUILT_IN, CREATE_ON_UPDATE, gv, established };
