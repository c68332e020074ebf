// The OpenAPI formats the Kubernetes definitions and the CRDs use, for ajv. Compiled validators
// that are kept on disk load them from here by path (cached-ajv.ts).

/** int32 catches values the API server would overflow. */
export const FORMATS = {
  'int32': { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  'int64': { type: 'number', validate: (n: number) => Number.isSafeInteger(n) },
  'double': { type: 'number', validate: (n: number) => Number.isFinite(n) },
  'byte': /^[A-Za-z0-9+/]*={0,2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
} as const;

export type FormatName = keyof typeof FORMATS;
