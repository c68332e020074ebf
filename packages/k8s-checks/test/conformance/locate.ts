// Where the upstream conformance cases are. They are reference data kept beside the project
// (a checkout /work/<project> has /work/shared/conformance next to it) and never copied into it.

import * as fs from 'fs';
import * as path from 'path';

/** Names the folder explicitly, for a checkout that has no `shared/conformance` above it. */
export const CONFORMANCE_ENV = 'K8S_CHECKS_CONFORMANCE';

/**
 * Where the development machines keep it, for a checkout made elsewhere (a clone in a temporary
 * folder, as CI may make): tried after the folders above the checkout.
 */
const MACHINE_FOLDER = '/work/shared/conformance';

/** The files a conformance folder has: without them it is some other folder of that name. */
const MARKERS = ['SOURCES.txt', 'kube-score', 'kube-linter', 'polaris', 'pod-security-admission'];

export class ConformanceNotFound extends Error {}

function isConformanceFolder(dir: string): boolean {
  return MARKERS.every((m) => fs.existsSync(path.join(dir, m)));
}

/**
 * The conformance folder: `$K8S_CHECKS_CONFORMANCE` when set, else the first `shared/conformance`
 * found going up from `start`, else `machineFolder`. Throws ConformanceNotFound saying where it
 * looked and how to point to the folder.
 */
export function locateConformance(start: string = __dirname, env: NodeJS.ProcessEnv = process.env, machineFolder: string = MACHINE_FOLDER): string {
  const given = env[CONFORMANCE_ENV];
  if (given) {
    const dir = path.resolve(given);
    if (isConformanceFolder(dir)) return dir;
    throw new ConformanceNotFound(
      `${CONFORMANCE_ENV}=${given} is not a conformance folder: ${dir} should hold ${MARKERS.join(', ')}. `
      + `Point ${CONFORMANCE_ENV} at the folder that holds the upstream cases (shared/conformance).`,
    );
  }
  const looked: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'conformance');
    looked.push(candidate);
    if (isConformanceFolder(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  if (!looked.includes(machineFolder)) {
    looked.push(machineFolder);
    if (isConformanceFolder(machineFolder)) return machineFolder;
  }
  throw new ConformanceNotFound(
    `The upstream conformance cases were not found. Looked for shared/conformance (holding ${MARKERS.join(', ')}) in:\n`
    + looked.map((l) => `  ${l}`).join('\n')
    + `\nCheck the project out beside shared/ (as /work/<project> with /work/shared), or set ${CONFORMANCE_ENV}=<path to the conformance folder>.`,
  );
}
