import { IConstruct } from 'constructs';
import { PropValidationError } from './validation/prop-errors';

// Grammar from the distribution reference (github.com/distribution/reference): a repository is
// lower-case path components, optionally behind a registry host[:port]; a tag is up to 128 word
// characters, dots and dashes; a digest is an algorithm and hex.
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

const WHAT = 'ImageReference';

/**
 * A container image reference that is always pinned: a repository plus an explicit tag, a
 * digest, or both (`repo:tag@sha256:...`, where the digest is what the runtime pulls).
 * `latest` and untagged references are refused, because the same manifest would then run
 * different code on different days.
 */
export class ImageReference {
  /** `repository:tag`, e.g. `ImageReference.fromTag('docker.io/mincloud1501/nginx', '1.0.0')`. */
  public static fromTag(repository: string, tag: string): ImageReference {
    return new ImageReference(repository, tag, undefined);
  }

  /** `repository@sha256:...`: immutable; what a promotion between environments should use. */
  public static fromDigest(repository: string, digest: string, tag?: string): ImageReference {
    return new ImageReference(repository, tag, digest);
  }

  /**
   * Parses `repository:tag`, `repository@sha256:...` or `repository:tag@sha256:...`.
   * @param source names where the string came from (e.g. an environment variable) in errors.
   */
  public static parse(reference: string, source = WHAT): ImageReference {
    const ref = (reference ?? '').trim();
    let rest = ref;
    let digest: string | undefined;
    const at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.slice(at + 1);
      rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
    if (tag === undefined && digest === undefined) {
      throw new PropValidationError(source, 'image', reference,
        'the image has no tag or digest; pin it as "repository:tag" (e.g. "docker.io/mincloud1501/nginx:1.0.0") or "repository@sha256:<digest>"');
    }
    return new ImageReference(rest, tag, digest, source);
  }

  private constructor(
    /** Registry and repository, e.g. `docker.io/mincloud1501/nginx`. */
    public readonly repository: string,
    /** The tag, when the reference has one. */
    public readonly tag: string | undefined,
    /** The content digest (`sha256:...`), when the reference has one. */
    public readonly digest: string | undefined,
    source = WHAT,
  ) {
    validateRepository(source, repository);
    if (tag !== undefined) {
      if (!TAG.test(tag)) {
        throw new PropValidationError(source, 'image tag', tag, 'a tag is 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"');
      }
      if (tag === 'latest') {
        throw new PropValidationError(source, 'image tag', tag, '"latest" is not a pinned version; use a release tag (e.g. "1.0.0") or a digest');
      }
    }
    if (digest !== undefined && !DIGEST.test(digest)) {
      throw new PropValidationError(source, 'image digest', digest, 'a digest is "sha256:" followed by 64 lower-case hex characters');
    }
  }

  /** True when the reference names content (a digest) rather than a movable tag. */
  public get isImmutable(): boolean {
    return this.digest !== undefined;
  }

  /**
   * A value for the `app.kubernetes.io/version` label: the tag, or the digest's first 12 hex
   * characters when there is no tag (label values are limited to 63 characters).
   */
  public get version(): string {
    if (this.tag !== undefined) {
      return this.tag.length <= 63 ? this.tag : this.tag.slice(0, 63).replace(/[-_.]+$/, '');
    }
    return `sha256-${this.digest!.slice('sha256:'.length, 'sha256:'.length + 12)}`;
  }

  public toString(): string {
    return `${this.repository}${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest !== undefined ? `@${this.digest}` : ''}`;
  }
}

function validateRepository(source: string, repository: string): void {
  const parts = (repository ?? '').split('/');
  const host = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift()! : undefined;
  const ok = repository !== undefined && repository.length > 0 && repository.length <= 255
    && (host === undefined || HOST.test(host))
    && parts.every((p) => PATH_COMPONENT.test(p));
  if (!ok) {
    throw new PropValidationError(source, 'image repository', repository,
      'use [registry[:port]/]path with lower-case letters, digits and ".", "_", "-" separators, e.g. "docker.io/mincloud1501/nginx"');
  }
}

/** Refuses an image given as anything but an ImageReference (a plain string would skip its rules). */
export function checkImageReference(scope: IConstruct, image: unknown): void {
  if (!(image instanceof ImageReference)) {
    throw new PropValidationError(scope, 'image', image,
      'use ImageReference.fromTag(repository, tag), ImageReference.fromDigest(...) or ImageReference.parse("repo:tag")');
  }
}
