import * as fs from 'fs';
import * as path from 'path';
import { apiGroup, KubeObject, readManifestFile } from 'k8s-checks';

// The CRDs of crds/ that a target's custom resources need: what the synth tells the user to
// install before `kubectl apply -f dist`, what the deploy's preflight looks for on each cluster,
// and what the EKS stacks (packages/clusters) apply before the chart. One lookup for all three.

const ROOT = path.join(__dirname, '..');
const CRDS_DIR = path.join(ROOT, 'crds');

/** A CustomResourceDefinition from crds/, as its file holds it. */
export interface ProjectCrd {
  /** Its name, e.g. `certificates.cert-manager.io`. */
  readonly name: string;
  /** Its file, relative to the project, e.g. `crds/cert-manager/cert-manager.io_certificates.yaml`. */
  readonly file: string;
  /** The controller that brings it, e.g. `cert-manager`. */
  readonly controller: string;
  readonly object: KubeObject;
}

/** A kind of a CRD: its group has a dot and is not one of Kubernetes' own (`*.k8s.io`). */
export function isCustomResource(o: { readonly apiVersion?: unknown }): boolean {
  return typeof o.apiVersion === 'string' && /^[^/]*\.[^/]*\//.test(o.apiVersion) && !/\.k8s\.io\//.test(o.apiVersion);
}

/** crds/<controller>/<file>, listed once. */
let crdFiles: Array<{ controller: string; file: string }> | undefined;
const parsed = new Map<string, ProjectCrd[]>();
/** The CRDs of one file of crds/, parsed once. */
function crdsIn(controller: string, file: string): ProjectCrd[] {
  const key = path.posix.join(controller, file);
  let crds = parsed.get(key);
  if (!crds) {
    crds = readManifestFile(path.join(CRDS_DIR, controller, file)).objects
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((object) => ({ name: object.metadata.name, file: path.posix.join('crds', controller, file), controller, object }));
    parsed.set(key, crds);
  }
  return crds;
}

/**
 * The CRD of crds/ for a group and kind. Upstream names each file `<group>_<plural>.yaml`, so only
 * the files of that group are read (the CRDs are large: reading all of them would cost a synth
 * several hundred milliseconds); any other file is read only when those do not hold the kind.
 */
export function projectCrd(group: string, kind: string): ProjectCrd | undefined {
  const files = crdFiles ??= fs.readdirSync(CRDS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    .flatMap((controller) => fs.readdirSync(path.join(CRDS_DIR, controller)).filter((f) => f.endsWith('.yaml')).sort().map((file) => ({ controller, file })));
  const ofGroup = (f: { file: string }) => f.file.startsWith(`${group}_`);
  for (const { controller, file } of [...files.filter(ofGroup), ...files.filter((f) => !ofGroup(f))]) {
    const found = crdsIn(controller, file).find((c) => c.object.spec?.group === group && c.object.spec?.names?.kind === kind);
    if (found) return found;
  }
  return undefined;
}

/**
 * The CRDs the custom resources among `objects` need, each once, in the order they are first
 * needed; throws naming the kind, `where` it is used and the fix when crds/ has no CRD for it.
 */
export function crdsFor(objects: ReadonlyArray<{ readonly apiVersion?: unknown; readonly kind?: unknown }>, where: string): ProjectCrd[] {
  const needed = new Map<string, ProjectCrd>();
  for (const o of objects) {
    if (!isCustomResource(o) || typeof o.kind !== 'string') continue;
    const crd = projectCrd(apiGroup(o.apiVersion as string), o.kind);
    if (!crd) {
      throw new Error(`${where}: ${o.kind} (${o.apiVersion}) has no CRD in crds/: add the upstream CRD there (crds/README.md), so the cluster gets it before the chart`);
    }
    needed.set(crd.name, crd);
  }
  return [...needed.values()];
}
