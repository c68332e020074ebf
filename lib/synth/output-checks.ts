import * as path from 'path';
import { checkPolicies, Manifest, SchemaValidator } from 'k8s-checks';
import { ManifestFolder } from './manifest-files';

/** The outcome of checking one target folder. */
export interface FolderCheck {
  readonly target: string;
  readonly objects: number;
  /** Human-readable problems; empty when the folder passed. */
  readonly problems: string[];
  /** One-line summary of what passed, e.g. `schema: 5 objects valid`. */
  readonly summary: string[];
}

/** A check that runs over the manifests of one target before they are written to `dist/`. */
export type OutputCheck = (folder: ManifestFolder, target: string) => { problems: string[]; summary: string };

/** The CRDs of the custom resources the constructs may emit (cert-manager, Traefik, Prometheus). */
const CRDS = path.join(__dirname, '..', '..', 'crds');

/** Every object must match the Kubernetes 1.27 schema, unknown fields and wrong values rejected. */
export const schemaCheck: OutputCheck = (folder) => {
  const validator = SchemaValidator.forKubernetes127({ crds: [CRDS] });
  const problems: string[] = [];
  let count = 0;
  for (const { file, manifests } of folder.files) {
    count += manifests.length;
    for (const v of validator.validate(manifests)) {
      problems.push(`${file}: ${v.object}: ${v.path || '/'}: ${v.message}`);
    }
  }
  return { problems, summary: `schema (Kubernetes 1.27, strict): ${count} objects, ${problems.length} problems` };
};

export function runChecks(folder: ManifestFolder, target: string, checks: readonly OutputCheck[]): FolderCheck {
  const problems: string[] = [];
  const summary: string[] = [];
  for (const check of checks) {
    const result = check(folder, target);
    problems.push(...result.problems);
    summary.push(result.summary);
  }
  return { target, objects: folder.files.reduce((n, f) => n + f.manifests.length, 0), problems, summary };
}

/**
 * Pod Security "restricted", kube-score, kube-linter and Polaris over the target's objects
 * together (cross-object rules need them all); deliberate exemptions are reported, not failed.
 */
export const policyCheck: OutputCheck = (folder) => {
  const manifests = folder.files.flatMap((f) => f.manifests) as unknown as Manifest[];
  const report = checkPolicies(manifests);
  const problems = report.findings.map((f) =>
    `${f.object}: ${f.tool} ${f.rule}${f.path ? ` at ${f.path}` : ''}: ${f.message}\n      fix: ${f.fix}`);
  return {
    problems,
    summary: `policy (Pod Security restricted, kube-score, kube-linter, Polaris): ${report.findings.length} findings, ${report.exemptions.length} declared exemptions`,
  };
};
