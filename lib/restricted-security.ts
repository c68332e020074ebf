import { IConstruct } from 'constructs';
import { PropKeys } from './validation/known-props';
import { checkInteger, PropValidationError } from './validation/prop-errors';

/** The user and groups the pod runs as; all must be above 10000 and match the image. */
export interface RunAs {
  /** @default 10101 */
  readonly user?: number;
  /** @default 10101 */
  readonly group?: number;
  /** Group that owns mounted volumes. @default 10101 */
  readonly fsGroup?: number;
}

/** Every key of RunAs, for `checkKnownProps`. */
export const RUN_AS_KEYS: PropKeys<RunAs> = { user: true, group: true, fsGroup: true };

/** The uid and gids of the images this project builds (docker/, services/api/). */
export const IMAGE_USER = 10101;

/** `writablePaths` when none are given. */
export const DEFAULT_WRITABLE_PATHS: readonly string[] = ['/tmp'];

/** Refuses ids that would run as a system user (kube-score wants them above 10000). */
export function checkRunAsIds(scope: IConstruct, runAs: RunAs | undefined): void {
  for (const field of ['user', 'group', 'fsGroup'] as const) {
    if (runAs?.[field] !== undefined) checkInteger(scope, `runAs.${field}`, runAs[field]!, 10001, 2147483647);
  }
}

/** `runAs` with its defaults. */
export function resolveRunAs(runAs: RunAs | undefined): Required<RunAs> {
  return { user: IMAGE_USER, group: IMAGE_USER, fsGroup: IMAGE_USER, ...runAs };
}

/**
 * The container security context of Pod Security "restricted", and more: non-root with an
 * explicit uid and gid, read-only root filesystem, no privilege escalation, no capabilities,
 * the runtime's seccomp profile.
 */
export function restrictedContainerSecurity(runAs: Required<RunAs>) {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The pod security context that goes with it (fsGroup owns the mounted volumes). */
export function restrictedPodSecurity(runAs: Required<RunAs>) {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    fsGroup: runAs.fsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Refuses writable paths that are not absolute paths below "/". */
export function checkWritablePaths(scope: IConstruct, paths: readonly string[] | undefined): void {
  for (const p of paths ?? []) {
    if (!/^\/[^\s:]*$/.test(p) || p === '/') {
      throw new PropValidationError(scope, 'writablePaths', p, 'use absolute paths below "/", e.g. "/tmp"');
    }
  }
}

/**
 * One emptyDir per writable path (the root filesystem stays read-only), each at most 64 MiB:
 * the volumes and the container's mounts.
 */
export function writableVolumes(paths: readonly string[]): {
  readonly volumes: Array<{ readonly name: string; readonly sizeLimit: string }>;
  readonly mounts: Array<{ readonly name: string; readonly mountPath: string }>;
} {
  const volumeName = (i: number) => (paths.length === 1 ? 'tmp' : `writable-${i}`);
  return {
    volumes: paths.map((_, i) => ({ name: volumeName(i), sizeLimit: '64Mi' })),
    mounts: paths.map((mountPath, i) => ({ name: volumeName(i), mountPath })),
  };
}
