import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** The project's CRDs (crds/<controller>/*.yaml), which the app's custom resources are checked against. */
const CRDS_DIR = path.resolve(__dirname, '..', '..', '..', 'crds');

/** A CustomResourceDefinition from crds/, as its file holds it. */
export interface ProjectCrd {
  /** Its name, e.g. `certificates.cert-manager.io`. */
  readonly name: string;
  /** Its file, relative to the repository, e.g. `crds/cert-manager/cert-manager.io_certificates.yaml`. */
  readonly file: string;
  /** The controller that brings it, e.g. `cert-manager`. */
  readonly controller: string;
  readonly object: Record<string, unknown> & { metadata: { name: string } };
}

let byKind: Map<string, ProjectCrd> | undefined;
function projectCrds(): Map<string, ProjectCrd> {
  if (byKind) return byKind;
  byKind = new Map();
  for (const controller of fs.readdirSync(CRDS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of fs.readdirSync(path.join(CRDS_DIR, controller)).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, controller, file), 'utf-8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        byKind.set(`${crd.spec.group}/${crd.spec.names.kind}`, { name: crd.metadata.name, file: path.posix.join('crds', controller, file), controller, object: crd });
      }
    }
  }
  return byKind;
}

/** A kind of a CRD: its group has a dot and is not one of Kubernetes' own (`*.k8s.io`). */
const isCustom = (apiVersion: string): boolean => /^[^/]*\.[^/]*\//.test(apiVersion) && !/\.k8s\.io\//.test(apiVersion);

/**
 * The CRDs the custom resources among `objects` need, each once, in the order they are first
 * needed; throws naming the kind when crds/ has no CRD for it.
 */
export function crdsFor(objects: ReadonlyArray<{ apiVersion?: string; kind?: string }>, where: string): ProjectCrd[] {
  const needed = new Map<string, ProjectCrd>();
  for (const o of objects) {
    if (!o.apiVersion || !o.kind || !isCustom(o.apiVersion)) continue;
    const crd = projectCrds().get(`${o.apiVersion.split('/')[0]}/${o.kind}`);
    if (!crd) {
      throw new Error(`${where}: ${o.kind} (${o.apiVersion}) has no CRD in crds/: add the upstream CRD there (crds/README.md), so the cluster gets it before the chart`);
    }
    needed.set(crd.name, crd);
  }
  return [...needed.values()];
}
