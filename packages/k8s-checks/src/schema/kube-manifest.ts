/** A Kubernetes object as parsed from a manifest: nothing about it is trusted yet. */
export interface KubeManifest {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}
