'use strict';
// `node -r ./tools/ts-run/register.js main.ts`: runs the project's TypeScript without a type
// check (tsc does that, cached, in `npm run typecheck` and `npm test`).
//
// Each .ts file is transpiled by swc with the project's .swcrc, the options jest uses too. The
// JavaScript is kept in a cache keyed by the file's path and content, swc's version, .swcrc and
// this file, so a file is transpiled again only when one of those changed, and a cached copy
// can never be out of date. A run that hits the cache does not load swc at all. Each source
// file has at most one entry; its older one is removed when a new one is written.

const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const SWCRC = path.join(ROOT, '.swcrc');
/**
 * Where the transpiled files go: `ts/` in the project's cache (node_modules/.cache/mincloud,
 * which `npm ci` starts afresh, or $MINCLOUD_CACHE_DIR; `off` transpiles every time).
 */
const CACHE_BASE = process.env.MINCLOUD_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'mincloud');
const CACHE_DIR = CACHE_BASE === 'off' ? undefined : path.join(path.resolve(CACHE_BASE), 'ts');

const swcrcText = fs.readFileSync(SWCRC, 'utf8');
const options = { ...JSON.parse(swcrcText), swcrc: false, configFile: false };
delete options.$schema;
const salt = crypto.createHash('sha256')
  .update(require('@swc/core/package.json').version).update('\0')
  .update(swcrcText).update('\0')
  .update(fs.readFileSync(__filename))
  .digest();

let swc;
let cacheDirReady = false;

function sha256(...parts) {
  const hash = crypto.createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex');
}

/** The JavaScript of one TypeScript file, from the cache or freshly transpiled. */
function transpile(source, filename) {
  const entryPrefix = sha256(salt, filename).slice(0, 16);
  const entry = CACHE_DIR && path.join(CACHE_DIR, `${entryPrefix}-${sha256(salt, filename, source).slice(0, 32)}.js`);
  if (entry) {
    try {
      return fs.readFileSync(entry, 'utf8');
    } catch {
      // not cached yet, or the cache cannot be read: transpile
    }
  }
  swc = swc || require('@swc/core');
  const out = swc.transformSync(source, { ...options, filename, sourceFileName: filename });
  if (!entry) return out.code;
  const code = out.map
    ? `${out.code}\n//# sourceMappingURL=${path.basename(entry)}.map\n`
    : out.code;
  store(entry, entryPrefix, code, out.map);
  return code;
}

/** Writes an entry atomically (concurrent runs may race for it) and drops the file's older ones. */
function store(entry, entryPrefix, code, map) {
  try {
    if (!cacheDirReady) {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      cacheDirReady = true;
    }
    for (const name of fs.readdirSync(CACHE_DIR)) {
      if (name.startsWith(`${entryPrefix}-`) && !entry.endsWith(name.replace(/\.map$/, ''))) {
        fs.rmSync(path.join(CACHE_DIR, name), { force: true });
      }
    }
    const tmp = `${entry}.${process.pid}.tmp`;
    if (map) {
      fs.writeFileSync(`${tmp}.map`, map);
      fs.renameSync(`${tmp}.map`, `${entry}.map`);
    }
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, entry);
  } catch (err) {
    // A read-only or full disk costs speed, not correctness: the code is still run.
    if (process.env.TS_RUN_DEBUG) console.error(`ts-run: could not cache ${entry}: ${err.message}`);
  }
}

Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

module.exports = { transpile, CACHE_DIR };
