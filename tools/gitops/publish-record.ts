import { ImageRecord } from './images';

/**
 * What a publish records about itself, in its commit message's trailers (`Key: value` lines at
 * the end, as `git interpret-trailers` reads them): which target, from which source commit, with
 * which images, and what the validation said. A promotion reads them back from the source
 * environment's last publish.
 */
export interface PublishRecord {
  readonly target: string;
  /** The project commit the manifests were synthesized from; `<sha>-dirty` from a tree with changes. */
  readonly sourceCommit: string;
  /** The site image reference the synth was given (SITE_IMAGE), when the target runs it. */
  readonly siteImage?: string;
  /** The API image reference, when the target runs the API. */
  readonly apiImage?: string;
  /** Every container image of the manifests: `<deployment>/<container>=<reference>`. */
  readonly images: readonly string[];
  /** The validation summary lines. */
  readonly validation: readonly string[];
  /** For a promotion: `<source target> <commit of its publish>`. */
  readonly promotedFrom?: string;
}

export const TRAILERS = {
  target: 'Target',
  sourceCommit: 'Source-Commit',
  siteImage: 'Site-Image',
  apiImage: 'Api-Image',
  image: 'Image',
  validation: 'Validation',
  promotedFrom: 'Promoted-From',
} as const;

/** One cluster's part of a publish, for the message's text. */
export interface PublishedCluster {
  readonly name: string;
  /** Its folder in the target's place: `.` for a target on one cluster, else the cluster's name. */
  readonly folder: string;
  readonly files: readonly string[];
  readonly objects: number;
}

/** Where the manifests went and what they hold, for the message's text. */
export interface PublishDetails {
  readonly namespace: string;
  /** The target's clusters in their order: one (folder `.`), or several with a folder each. */
  readonly clusters: readonly PublishedCluster[];
  /** `env/dev`, or `rendered:dev` for a folder. */
  readonly place: string;
  readonly files: readonly string[];
  /** The objects of all clusters together. */
  readonly objects: number;
  readonly images: readonly ImageRecord[];
}

/** `<deployment>/<container>=<reference>` of an image record. */
export const imageEntry = (i: ImageRecord): string => `${i.deployment}/${i.container}=${i.image}`;

/**
 * The commit message of a publish (or a promotion, when `record.promotedFrom` is set). A target
 * on several clusters is one commit: the subject names the clusters, the body each cluster's
 * folder, files and objects, the images once (they are the same on every cluster).
 */
export function publishMessage(record: PublishRecord, details: PublishDetails): string {
  const short = record.sourceCommit.replace(/^([0-9a-f]{12})[0-9a-f]*/, '$1');
  const promotedFrom = record.promotedFrom?.split(' ');
  const several = details.clusters.length > 1;
  const target = several ? `${record.target} (${details.clusters.map((c) => c.name).join(', ')})` : record.target;
  const subject = promotedFrom
    ? `promote ${promotedFrom[0]} to ${target}: ${details.objects} objects from ${short}`
    : `publish ${target}: ${details.objects} objects from ${short}`;
  const images = details.images.map((i) => `${i.deployment}/${i.container} ${i.image} (${i.digest ? `digest ${i.digest}` : 'a tag, no digest'})`);
  const what = several
    ? [
      `The manifests of target ${record.target} (namespace ${details.namespace}) for each of its clusters, exactly as`,
      `npm run synth -- --target ${record.target} --cluster <cluster> writes them, a folder per cluster, into ${details.place}:`,
      ...details.clusters.map((c) => `  ${c.folder}/ (${c.files.join(', ')}): ${c.objects} objects`),
    ]
    : [
      `The manifests of target ${record.target} (namespace ${details.namespace}, cluster ${details.clusters[0].name}) exactly as`,
      `npm run synth -- --target ${record.target} writes them (${details.files.join(', ')}), into ${details.place}.`,
    ];
  const body = [
    ...what,
    ...(promotedFrom ? [`Promoted from ${promotedFrom[0]}: the images of its publish ${promotedFrom[1].slice(0, 12)}, unchanged.`] : []),
    '',
    'Images:',
    ...images.map((l) => `  ${l}`),
    '',
    'Validation:',
    ...record.validation.map((l) => `  ${l}`),
  ];
  const trailers: Array<[string, string | undefined]> = [
    [TRAILERS.target, record.target],
    [TRAILERS.sourceCommit, record.sourceCommit],
    [TRAILERS.promotedFrom, record.promotedFrom],
    [TRAILERS.siteImage, record.siteImage],
    [TRAILERS.apiImage, record.apiImage],
    ...record.images.map((i): [string, string] => [TRAILERS.image, i]),
    ...record.validation.map((v): [string, string] => [TRAILERS.validation, v]),
  ];
  return `${subject}\n\n${body.join('\n')}\n\n${trailers.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
}

/**
 * The record in a commit's trailers, as `git log --format=%(trailers:only,unfold)` prints them;
 * undefined when they are not a publish's (a commit made by hand).
 */
export function readPublishRecord(trailerText: string): PublishRecord | undefined {
  const entries = trailerText.split('\n').map((l) => /^([A-Za-z0-9-]+):\s?(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2].trim()] as const);
  const all = (key: string) => entries.filter(([k]) => k.toLowerCase() === key.toLowerCase()).map(([, v]) => v);
  const one = (key: string) => all(key)[0];
  const target = one(TRAILERS.target);
  const sourceCommit = one(TRAILERS.sourceCommit);
  if (!target || !sourceCommit) return undefined;
  return {
    target,
    sourceCommit,
    siteImage: one(TRAILERS.siteImage),
    apiImage: one(TRAILERS.apiImage),
    images: all(TRAILERS.image),
    validation: all(TRAILERS.validation),
    promotedFrom: one(TRAILERS.promotedFrom),
  };
}
