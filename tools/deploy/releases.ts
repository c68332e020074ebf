import { gunzipSync, gzipSync } from 'zlib';
import { K8sObject } from './manifests';

/**
 * Releases kept in the cluster, as Helm keeps its release Secrets: every deploy that applied
 * something records what it applied, in the target's namespace, as a Secret
 * `mincloud-release-<target>.v<N>` of type `mincloud.dev/release.v1`. Its `release` data is
 * the gzipped JSON of a `Release`; its labels say whose release it is, its number and status,
 * so a list by label finds them without reading the data. They are no ApplySet members (no
 * prune ever touches them); the oldest beyond the target's `releaseHistory` are deleted.
 */
export const RELEASE_FORMAT = 'mincloud.dev/release/v1';
export const RELEASE_TYPE = 'mincloud.dev/release.v1';
export const RELEASE_OF_LABEL = 'mincloud.dev/release-of';
export const RELEASE_NUMBER_LABEL = 'mincloud.dev/release';
export const RELEASE_STATUS_LABEL = 'mincloud.dev/release-status';

/** `deployed`: applied and rolled out (the last one is what runs); `failed`: applied, then rolled back or left. */
export type ReleaseStatus = 'deployed' | 'failed';

export interface ImageRecord {
  readonly deployment: string;
  readonly container: string;
  readonly image: string;
  /** The digest the reference pins (`@sha256:...`), or null for a tag (which can move). */
  readonly digest: string | null;
}

export interface Release {
  readonly format: typeof RELEASE_FORMAT;
  readonly target: string;
  readonly release: number;
  readonly status: ReleaseStatus;
  /** When it was recorded, ISO 8601 UTC. */
  readonly time: string;
  readonly context: string;
  /** Who: the git commit deployed (`-dirty` when the work tree had changes), and the user. */
  readonly commit: string;
  readonly user: string;
  /** What happened: `deploy`, `rollback to release 3`, `rollout of nginx1 failed; ...`. */
  readonly description: string;
  readonly images: readonly ImageRecord[];
  /** Deployment name -> `deployment.kubernetes.io/revision` after the rollout. */
  readonly revisions: Readonly<Record<string, string>>;
  /** The ApplySet the members were labelled for. */
  readonly applySet: string;
  /** Every object applied, in apply order, without the ApplySet member label: what a rollback applies again. */
  readonly objects: readonly K8sObject[];
}

export const releaseName = (target: string, n: number): string => `mincloud-release-${target}.v${n}`;

/** The images of the Deployments among `objects`. */
export function imagesOf(objects: readonly K8sObject[]): ImageRecord[] {
  return objects.filter((o) => o.kind === 'Deployment').flatMap((d) => {
    const containers = ((d.spec as { template?: { spec?: { containers?: Array<{ name: string; image: string }> } } })?.template?.spec?.containers) ?? [];
    return containers.map((c) => ({ deployment: d.metadata.name, container: c.name, image: c.image, digest: /@(sha256:[0-9a-f]{64})$/.exec(c.image)?.[1] ?? null }));
  });
}

/** The Secret that records `r`. */
export function releaseSecret(r: Release, namespace: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RELEASE_TYPE,
    metadata: {
      name: releaseName(r.target, r.release),
      namespace,
      labels: {
        [RELEASE_OF_LABEL]: r.target,
        [RELEASE_NUMBER_LABEL]: String(r.release),
        [RELEASE_STATUS_LABEL]: r.status,
        'app.kubernetes.io/managed-by': 'mincloud-deploy',
      },
    },
    data: { release: gzipSync(Buffer.from(JSON.stringify(r))).toString('base64') },
  };
}

/** A release from its Secret (as `kubectl get -o json` gives it); throws on anything else. */
export function readReleaseSecret(secret: { metadata: { name: string }; type?: string; data?: Record<string, string> }): Release {
  if (secret.type !== RELEASE_TYPE || !secret.data?.release) throw new Error(`Secret ${secret.metadata.name} is not a release record (type ${secret.type ?? 'none'})`);
  const r = JSON.parse(gunzipSync(Buffer.from(secret.data.release, 'base64')).toString('utf-8')) as Release;
  if (r.format !== RELEASE_FORMAT) throw new Error(`Secret ${secret.metadata.name} holds a release of format ${String(r.format)}, not ${RELEASE_FORMAT}`);
  return r;
}

/** The newest release with status `deployed`: what a failed deploy goes back to. */
export function lastGood(releases: readonly Release[]): Release | undefined {
  return [...releases].filter((r) => r.status === 'deployed').sort((a, b) => b.release - a.release)[0];
}

/**
 * The release `--rollback` applies: `--to N`, or the deployed release before the newest
 * deployed one (what ran before the current release). Throws a message for the user.
 */
export function rollbackTarget(releases: readonly Release[], to: number | undefined, target: string): Release {
  const listed = releases.length === 0 ? 'none is recorded' : `recorded: ${[...releases].sort((a, b) => a.release - b.release).map((r) => `${r.release} (${r.status})`).join(', ')}`;
  const help = `(npm run deploy -- --env ${target} --history)`;
  if (to !== undefined) {
    const r = releases.find((x) => x.release === to);
    if (!r) throw new Error(`--to ${to}: target ${target} has no release ${to}; ${listed} ${help}`);
    if (r.status !== 'deployed') throw new Error(`--to ${to}: release ${to} of target ${target} failed when it was deployed; pick a deployed one ${help}`);
    return r;
  }
  const deployed = [...releases].filter((r) => r.status === 'deployed').sort((a, b) => b.release - a.release);
  if (deployed.length < 2) throw new Error(`target ${target} has no deployed release before the current one to roll back to; ${listed} ${help}`);
  return deployed[1];
}

/** The releases to delete so that `keep` remain: the oldest, never the newest deployed one. */
export function releasesBeyond(releases: readonly Release[], keep: number): Release[] {
  const good = lastGood(releases);
  const newestFirst = [...releases].sort((a, b) => b.release - a.release);
  const kept = new Set(newestFirst.slice(0, keep).map((r) => r.release));
  if (good) kept.add(good.release);
  while (kept.size > keep) {
    const oldest = [...kept].filter((n) => n !== good?.release).sort((a, b) => a - b)[0];
    kept.delete(oldest);
  }
  return newestFirst.filter((r) => !kept.has(r.release));
}

/** `--history`: one line per release, oldest first. */
export function formatHistory(releases: readonly Release[]): string {
  const rows = [...releases].sort((a, b) => a.release - b.release).map((r) => [
    String(r.release), r.time, r.status, r.commit.slice(0, 12) + (r.commit.endsWith('-dirty') ? '-dirty' : ''),
    r.images.map((i) => `${i.deployment}=${i.digest ? `${i.image.replace(/@sha256:[0-9a-f]{64}$/, '')}@${i.digest.slice(0, 19)}…` : `${i.image} (tag, no digest)`}`).join(' '),
    r.description,
  ]);
  const header = ['RELEASE', 'RECORDED (UTC)', 'STATUS', 'COMMIT', 'IMAGES', 'DESCRIPTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
