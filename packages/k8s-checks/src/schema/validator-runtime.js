'use strict';
// What the validators ajv compiles need at run time: the OpenAPI formats of the Kubernetes
// definitions and the CRDs, and the Go (RE2) pattern flag. Compiled validators kept on disk
// (cached-ajv.ts) load this module by its path, with plain Node, so it is JavaScript, not
// TypeScript; validator-runtime.d.ts types it.

/** The formats; int32 catches values the API server would overflow. */
const FORMATS = {
  'int32': { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  'int64': { type: 'number', validate: (n) => Number.isSafeInteger(n) },
  'double': { type: 'number', validate: (n) => Number.isFinite(n) },
  'byte': /^[A-Za-z0-9+/]*={0,2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

/**
 * CRD patterns are Go (RE2) regular expressions; the inline `(?i)` flag becomes JavaScript's
 * `i`. `code` is how compiled validators kept on disk reach it.
 */
const goRegExp = Object.assign((pattern, flags) =>
  (pattern.includes('(?i)') ? new RegExp(pattern.replace(/\(\?i\)/g, ''), `${flags}i`) : new RegExp(pattern, flags)),
{ code: `require(${JSON.stringify(__filename)}).goRegExp` });

module.exports = { FORMATS, goRegExp };
