'use strict';
// `node -r ./tools/ts-run/register.js main.ts`: runs the project's TypeScript without a type
// check (tsc does that, cached, in `npm run typecheck` and `npm test`).
//
// Each .ts file is transpiled by swc with the project's .swcrc, the options jest uses too. The
// JavaScript is kept in a cache keyed by the file's path and content, swc's version, .swcrc and
// this file, so a file is transpiled again only when one of those changed, and a cached copy
// can never be out of date. A run that hits the cache does not load swc at all. Each source
// file has at most one entry; its older one is removed when a new one is written.
//
// Compiling JavaScript is the next cost (imports/k8s is 0.8 MB, a compiled validator half of
// that, cdk8s and yaml 170 files): modules are compiled with V8's code cache, written when the
// process ends, so it also holds the functions that ran. V8 checks each cache against the source
// and its own version and flags, and compiles afresh whatever does not match. Left to Node's own
// loader: modules with a dynamic import(), ES modules, and every module when source maps are on
// (--enable-source-maps), which only Node's loader registers.

const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.resolve(__dirname, '..', '..');
const SWCRC = path.join(ROOT, '.swcrc');
/**
 * Where the transpiled files go: `ts/` in the project's cache (node_modules/.cache/mincloud,
 * which `npm ci` starts afresh, or $MINCLOUD_CACHE_DIR; `off` transpiles every time).
 */
const CACHE_BASE = process.env.MINCLOUD_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'mincloud');
const CACHE_DIR = CACHE_BASE === 'off' ? undefined : path.join(path.resolve(CACHE_BASE), 'ts');
const CODE_CACHE_DIR = CACHE_BASE === 'off' ? undefined : path.join(path.resolve(CACHE_BASE), 'v8', `${process.versions.v8}-${process.arch}`);

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

/** Scripts compiled without a usable code cache: their cache is written when the process ends. */
const toCache = [];

/**
 * Runs a module's code as `module._compile` would, with a code cache named after the code's
 * hash; `require` behaves as Node's own (resolve, cache, main, extensions).
 */
function runCached(module, code, filename) {
  const entry = path.join(CODE_CACHE_DIR, `${sha256(filename).slice(0, 16)}-${sha256(filename, code).slice(0, 24)}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(entry);
  } catch {
    // none yet
  }
  let script;
  try {
    script = new vm.Script(Module.wrap(code), { filename, cachedData });
  } catch (err) {
    if (err instanceof SyntaxError) return false; // Node's loader reports it (or loads it as what it is)
    throw err;
  }
  if (!cachedData || script.cachedDataRejected) toCache.push([entry, script]);
  const require = (id) => module.require(id);
  require.resolve = (request, opts) => Module._resolveFilename(request, module, false, opts);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  script.runInThisContext({ displayErrors: true }).call(module.exports, module.exports, require, module, filename, path.dirname(filename));
  return true;
}

/** Whether a module's code may run through runCached. */
function cacheable(code) {
  return CODE_CACHE_DIR !== undefined && !process.sourceMapsEnabled && !/\bimport\s*\(/.test(code);
}

process.once('exit', () => {
  if (toCache.length === 0) return;
  try {
    fs.mkdirSync(CODE_CACHE_DIR, { recursive: true });
    const written = new Set(toCache.map(([entry]) => path.basename(entry)));
    for (const [entry, script] of toCache) {
      const tmp = `${entry}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, entry);
    }
    // One entry per file: the caches of its earlier versions go.
    const prefixes = new Set([...written].map((name) => name.slice(0, 17)));
    for (const name of fs.readdirSync(CODE_CACHE_DIR)) {
      if (prefixes.has(name.slice(0, 17)) && !written.has(name) && name.endsWith('.bin')) fs.rmSync(path.join(CODE_CACHE_DIR, name), { force: true });
    }
  } catch (err) {
    if (process.env.TS_RUN_DEBUG) console.error(`ts-run: could not write the code cache: ${err.message}`);
  }
});

Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  const code = transpile(fs.readFileSync(filename, 'utf8'), filename);
  if (!cacheable(code) || !runCached(module, code, filename)) module._compile(code, filename);
};

const loadJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function loadJavaScriptCached(module, filename) {
  const code = fs.readFileSync(filename, 'utf8');
  if (!cacheable(code) || !runCached(module, code.replace(/^#!.*/, ''), filename)) loadJavaScript(module, filename);
};

