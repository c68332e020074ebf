// Types of validator-runtime.js.

/** The OpenAPI formats the Kubernetes definitions and the CRDs use, for ajv. */
export declare const FORMATS: {
  readonly 'int32': { readonly type: 'number'; readonly validate: (n: number) => boolean };
  readonly 'int64': { readonly type: 'number'; readonly validate: (n: number) => boolean };
  readonly 'double': { readonly type: 'number'; readonly validate: (n: number) => boolean };
  readonly 'byte': RegExp;
  readonly 'date-time': RegExp;
};

export type FormatName = keyof typeof FORMATS;

/** Go (RE2) patterns as JavaScript RegExps (`(?i)` becomes the `i` flag); `code` requires it by path. */
export declare const goRegExp: ((pattern: string, flags: string) => RegExp) & { readonly code: string };
