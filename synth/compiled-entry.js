'use strict';
// Runs a TypeScript entry (main.ts) with plain Node, compiled once: esbuild bundles the entry and
// the project modules it imports into one CommonJS file, kept in node_modules/.cache/ and keyed
// by the content of every one of those files, so a run whose sources did not change only stats
// them (or hashes those its record cannot vouch for) and requires the bundle, and a run after any
// edit builds again (an edit is always seen).
// The entry of a run (`run`) is bundled with the packages it imports, and V8's code cache of it
// is kept beside it, so that a run compiles neither the app nor cdk8s and cdk8s-plus-27 again:
// loading their modules was a third of a synth. Each package the project imports is registered
// as it loads, and the watch loop's fresh bundles (`reload`, packages left to Node) take those
// same instances, so one process has one cdk8s; a workspace package (the checks) is registered
// under its folder too, where cdk8s.yaml's validations load it by path. Left to Node always:
// NOT_BUNDLED.
//
//   node synth/compiled-entry.js [--import MODULE.ts]... ENTRY.ts [ARGS...]
//
// runs each MODULE (the app guard) and then ENTRY as the main module, with process.argv as
// `node ENTRY ARGS` would give it: in ENTRY, `require.main === module` holds. Public APIs only:
// esbuild's build API, require, and V8's stack trace API with Node's SourceMap for stack
// traces that name the .ts files, and vm.Script's cachedData for the code cache.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { isAscii } = require('buffer');

const ROOT = path.resolve(__dirname, '..');
/** The environment variable that moves the cache folder. */
const CACHE_DIR_VARIABLE = 'COMPILED_ENTRY_CACHE_DIR';
/** What the bundles depend on besides the sources: this file's build options and esbuild. */
const TOOLCHAIN = [fs.readFileSync(__filename, 'utf8'), require('esbuild/package.json').version, process.version].join('\0');
/** What the fast check of a record compares the toolchain by (the key hashes it with the sources). */
const TOOLCHAIN_ID = crypto.createHash('sha256').update(TOOLCHAIN).digest('hex').slice(0, 32);
const MAIN_MARK = Symbol.for('compiled-entry.main');
/** Where a run's bundle registers each package it imports, by the specifier the project wrote. */
const PACKAGES = Symbol.for('compiled-entry.packages');
globalThis[PACKAGES] ??= new Map();
/**
 * The `require` of a bundle: a package the process's run registered (by specifier, or by its
 * folder's path, real or not) is taken from there; anything else is Node's `require` from `file`.
 */
const REQUIRE = Symbol.for('compiled-entry.require');
globalThis[REQUIRE] ??= (file) => {
  const own = require('module').createRequire(file);
  const shared = globalThis[PACKAGES];
  const registered = (id) => {
    if (shared.has(id)) return id;
    if (!path.isAbsolute(id)) return undefined;
    try {
      const real = fs.realpathSync(id);
      return shared.has(real) ? real : undefined;
    } catch {
      return undefined;
    }
  };
  return Object.assign((id) => {
    const key = shared.size ? registered(id) : undefined;
    return key === undefined ? own(id) : shared.get(key);
  }, own);
};
/** Packages a run's bundle leaves to Node: esbuild runs its own binary, chokidar may load a native module. */
const NOT_BUNDLED = new Set(['esbuild', 'chokidar', 'fsevents']);

let resolvedCacheDir;
/** The cache folder, its real path: the one Node names a module loaded from it by. */
function cacheDir() {
  if (!resolvedCacheDir) {
    const dir = path.resolve(process.env[CACHE_DIR_VARIABLE] || path.join(ROOT, 'node_modules', '.cache', 'compiled-entry'));
    fs.mkdirSync(dir, { recursive: true });
    resolvedCacheDir = fs.realpathSync(dir);
  }
  return resolvedCacheDir;
}

const sha = (data) => crypto.createHash('sha256').update(data).digest('hex');
/** Whether `file` is a package's, installed under node_modules (a workspace package's real path is not). */
const inNodeModules = (file) => file.includes(`${path.sep}node_modules${path.sep}`);

/**
 * The key of a set of inputs: their content (project files; `read` holds what a build read) or
 * size and time (package files).
 */
function inputsKey(entry, inputs, read = new Map(), stamp = undefined) {
  const hash = crypto.createHash('sha256').update(TOOLCHAIN).update('\0').update(entry);
  for (const file of inputs) {
    hash.update('\0').update(file).update('\0');
    if (inNodeModules(file)) {
      const st = fs.statSync(file);
      hash.update(`${st.size}:${st.mtimeMs}`);
    } else {
      hash.update(read.get(file) ?? sourceText(file, stamp));
    }
  }
  return hash.digest('hex').slice(0, 32);
}

/** The project files this process read: path -> { sig, text, stamp } (sourceText). */
const sources = new Map();

/**
 * A project file's text, read again only when its signature changed since this process read it,
 * or when it may have changed unseen in the tick it was read in (racy): the watch loop's rebuild
 * reads the files a save changed, not the whole project. `stamp`: fsNow() from before the read;
 * without one, the text is read and not kept.
 */
function sourceText(file, stamp) {
  // Taken before the read: a write in between changes it, so the text kept is read again next time.
  const sig = signature(file);
  const known = sources.get(file);
  if (known !== undefined && known.sig === sig && !racy(sig, known.stamp)) return known.text;
  const text = fs.readFileSync(file, 'utf8');
  if (stamp !== undefined) sources.set(file, { sig, text, stamp });
  return text;
}

/**
 * What a file's stat says of its content: any write changes its ctime (which, unlike its mtime,
 * no program can set back), a replaced file its inode.
 */
function signature(file) {
  const st = fs.statSync(file, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The file system's clock now: the mtime of a file written in the cache folder. An edit made
 * after it gets a ctime no lower (the clock the kernel stamps files with is coarser than
 * Date.now(), and may lag it).
 */
function fsNow() {
  const file = path.join(cacheDir(), `now.${process.pid}.tmp`);
  fs.writeFileSync(file, '');
  try {
    return fs.statSync(file, { bigint: true }).mtimeNs;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * Whether a file whose signature was taken after a build that started at `stamp` may have been
 * edited since without its signature showing it: when it changed after the build started (its
 * ctime then is in the same tick as the edit's could be), or on a file system that keeps whole
 * seconds only (FAT, some network shares), within two seconds of it.
 */
function racy(sig, stamp) {
  const ctime = BigInt(sig.slice(sig.lastIndexOf(':') + 1));
  return ctime >= stamp - (ctime % 1000000000n === 0n ? 2000000000n : 0n);
}

/**
 * The compiled bundle of `entry` when the cache holds one for its current sources, else
 * undefined. The record lists the files the last build read; an edit to any of them changes the
 * key, and a new import can only come from an edit. When every file's signature (stat) is the one
 * the record holds, taken when the file had not changed since the build started, nothing is read.
 * Else their contents are hashed again (a process reads again only the files it has not read in
 * their current state: sourceText). After a content check that found the sources
 * unchanged (a checkout that rewrote them, a build racing an edit), the record takes their
 * signatures now, so that the next run trusts them again.
 */
function cached(entry) {
  const file = recordFile(entry);
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    const { inputs, key, bundle, signatures, stamp, toolchain } = record;
    const since = BigInt(stamp ?? 0);
    const trusted = toolchain === TOOLCHAIN_ID && Array.isArray(signatures) && inputs.every((input, i) => {
      const sig = signature(input);
      return sig === signatures[i] && !racy(sig, since);
    });
    if (trusted) return fs.existsSync(bundle) ? record : undefined;
    let renewed;
    try {
      renewed = fsNow();
    } catch {
      // a read-only cache folder: the record stays as it is
    }
    if (inputsKey(entry, inputs, new Map(), renewed) !== key || !fs.existsSync(bundle)) return undefined;
    if (renewed !== undefined) renew(file, { ...record, signatures: inputs.map(signature), stamp: String(renewed) });
    return record;
  } catch {
    // no record, a file it lists is gone, or an unreadable record: build again
  }
  return undefined;
}

function renew(file, record) {
  try {
    writeAtomically(file, JSON.stringify(record));
  } catch {
    // a read-only cache folder: the next run checks the contents again
  }
}

/** The record of the last build of `entry`. */
const recordFile = (entry) => path.join(cacheDir(), `${sha(entry).slice(0, 16)}.json`);

/**
 * Bundles `entry` into the cache (unless it is there for the current sources); returns the
 * bundle's path. A syntax or resolution error rejects with esbuild's message, which names the
 * file, line and column (`main.ts:43:31: ERROR: Expected ")" but found "?"`).
 */
async function compile(entry, { incremental = false, withPackages = false } = {}) {
  const file = path.resolve(entry);
  const id = withPackages ? `${file}\0with packages` : file;
  const hit = cached(id);
  if (hit) return hit.bundle;
  const tag = sha(id).slice(0, 16);
  // Before the build reads a file: a signature is trusted only for a file unchanged since.
  const stamp = fsNow();
  const build = incremental ? (contexts.get(file) ?? newBuild(file, tag, { incremental })) : newBuild(file, tag, { withPackages });
  if (incremental) contexts.set(file, build);
  build.read.clear();
  build.current.stamp = stamp;
  let result;
  try {
    result = await build.run();
  } catch (err) {
    throw buildError(err, build.prefixes);
  }
  // Keyed by what the build read: an edit made while it ran is a new key, seen by the next run.
  // Files only: the registering modules are not (their packages' files are listed).
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('registered-package:')).map((p) => path.resolve(ROOT, p)).sort();
  const key = inputsKey(id, inputs, build.read, stamp);
  const bundle = path.join(cacheDir(), `${tag}-${key}.js`);
  const output = (extension) => result.outputFiles.find((f) => f.path.endsWith(extension)).contents;
  writeAtomically(`${bundle}.map`, output('.js.map'));
  writeAtomically(bundle, output('.js'));
  const signatures = inputs.map(signature);
  writeAtomically(recordFile(id), JSON.stringify({ entry: id, inputs, key, bundle, toolchain: TOOLCHAIN_ID, signatures, stamp: String(stamp) }));
  for (const other of fs.readdirSync(cacheDir())) {
    // Older bundles of this entry; another run's file being written (.tmp) is left to it.
    if (other.startsWith(`${tag}-`) && !other.startsWith(path.basename(bundle)) && !other.endsWith('.tmp')) fs.rmSync(path.join(cacheDir(), other), { force: true });
  }
  forgetVanishedEntries();
  return bundle;
}

let forgotten = false;
/**
 * Removes what the cache holds for entries that no longer exist (a deleted file, a temporary
 * project's): each entry keeps only its latest bundle, but nothing else would ever remove the
 * last one. Once a process, after its first build, which costs far more than reading the records
 * (the watch loop builds on every save).
 */
function forgetVanishedEntries() {
  if (forgotten) return;
  forgotten = true;
  const dir = cacheDir();
  const files = fs.readdirSync(dir);
  for (const name of files.filter((f) => /^[0-9a-f]{16}\.json$/.test(f))) {
    let entry;
    try {
      entry = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')).entry;
    } catch {
      continue; // being replaced by another run
    }
    if (typeof entry !== 'string' || fs.existsSync(entry.split('\0')[0])) continue;
    const tag = name.slice(0, -'.json'.length);
    for (const f of files) {
      if ((f === name || f.startsWith(`${tag}-`)) && !f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
    }
  }
}

/** Builds kept for entries compiled again and again (the watch loop): esbuild rebuilds only what changed. */
const contexts = new Map();

/**
 * One build of `file`: run() builds it (again); `read` and `prefixes` are what asWritten saw.
 * `withPackages`: the packages it imports are in the bundle too (registered as they load).
 */
function newBuild(file, tag, { incremental = false, withPackages = false }) {
  const esbuild = require('esbuild');
  const read = new Map();
  const prefixes = new Map();
  /** The build running now: its fsNow() stamp, from before it read anything. */
  const current = { stamp: undefined };
  const options = {
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    ...(withPackages ? {} : { packages: 'external' }),
    // A class or function keeps its name where bundling had to rename it (`constructor.name`).
    keepNames: true,
    // A third smaller, and ASCII: esbuild escapes what is not in strings and names, and this
    // drops the comments (a licence's too), which it would keep as written (evaluateBundle reads
    // it as latin1). Stack frames map through the source map all the same; short lines keep the
    // source line Node prints with an uncaught error readable.
    minifyWhitespace: true,
    legalComments: 'none',
    lineLimit: 1000,
    write: false,
    metafile: true,
    // Beside the bundle, read only when a stack trace is formatted (mapStackFrames).
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    outfile: path.join(cacheDir(), `${tag}.js`),
    // Packages are found from the entry's folder, as they would be if Node loaded it, not from
    // the cache folder the bundle lives in.
    // A package the process's run registered is taken from there (the watch loop's bundles, and
    // the checks loaded by path).
    banner: { js: `'use strict'; require = globalThis[Symbol.for('compiled-entry.require')](${JSON.stringify(file)});` },
    plugins: [asWritten(file, read, prefixes, current), generatedImports(withPackages), ...(withPackages ? [registeredPackages()] : [])],
  };
  if (!incremental) return { read, prefixes, current, run: () => esbuild.build(options) };
  let context;
  return { read, prefixes, current, run: async () => (context ??= await esbuild.context(options)).rebuild() };
}

/** esbuild's errors as one error that names each file, line and column. */
function buildError(err, prefixes) {
  const errors = err.errors || [];
  if (!errors.length) return err;
  const where = ({ file: f, line, column }) => {
    const source = path.resolve(ROOT, f);
    // Columns on the first line count from after what asWritten put in front.
    return `${source}:${line}:${line === 1 ? Math.max(0, column - (prefixes.get(source) ?? 0)) : column}`;
  };
  const lines = errors.map((e) => (e.location ? `${where(e.location)}: ERROR: ${e.text}` : `ERROR: ${e.text}`));
  return Object.assign(new Error(`Build failed with ${errors.length} error${errors.length > 1 ? 's' : ''}:\n${lines.join('\n')}`), { name: 'SyntaxError', [MAIN_MARK]: true });
}

/**
 * Each project file sees its own `__filename` and `__dirname`, as it does when Node loads it
 * (the app finds cdk8s.yaml and docker/image.env beside its sources), and only the entry is
 * the main module: `require.main === module` in another file (main.ts imported by a benchmark)
 * is false.
 */
function asWritten(entry, read, prefixes, current) {
  return {
    name: 'as-written',
    setup(build) {
      // One copy of this runner per process: the bundles use the one that loaded them.
      build.onResolve({ filter: /(^|\/)compiled-entry(\.js)?$/ }, (args) => (
        path.resolve(args.resolveDir, args.path).replace(/(\.js)?$/, '.js') === __filename ? { path: __filename, external: true } : undefined));
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (inNodeModules(args.path)) return undefined;
        let source = sourceText(args.path, current.stamp);
        read.set(args.path, source);
        // Left to esbuild, which then keeps the file parsed between the watch loop's rebuilds.
        if (!/__dirname|__filename|require\.main/.test(source)) return undefined;
        const isMain = args.path === entry
          ? `(require.main === module || globalThis[Symbol.for('compiled-entry.main')] === module.filename)`
          : 'false';
        source = source.replace(/require\.main\s*===\s*module\b/g, isMain);
        const own = `var __filename = ${JSON.stringify(args.path)}, __dirname = ${JSON.stringify(path.dirname(args.path))};`;
        const loader = path.extname(args.path).replace(/^\.[cm]?/, '');
        // On the first line, so that the source map's lines stay the file's own.
        prefixes.set(args.path, own.length);
        return { contents: `${own}${source}`, loader };
      });
    },
  };
}

/**
 * The classes `cdk8s import` generated (imports/, a megabyte of TypeScript) are loaded once per
 * process, like a package: the run's bundle registers each under its real path, and the watch
 * loop's bundles take it from there instead of bundling and evaluating it again on every save
 * (which also left their toJson functions unoptimized for every synth).
 */
function generatedImports(register) {
  const folder = path.join(ROOT, 'imports');
  const real = fs.existsSync(folder) ? `${fs.realpathSync(folder)}${path.sep}` : undefined;
  return {
    name: 'generated-imports',
    setup(build) {
      if (!real) return;
      build.onResolve({ filter: /(^|\/)imports\/[^/]+$/ }, (args) => {
        if (args.namespace === 'registered-package' || !args.path.startsWith('.')) return undefined;
        const file = `${path.resolve(args.resolveDir, args.path)}.ts`;
        if (!fs.existsSync(file) || !fs.realpathSync(file).startsWith(real)) return undefined;
        if (!register) return { path: file, external: true };
        const own = fs.realpathSync(file);
        // Registered as registeredPackages registers a package (its onLoad writes the module).
        return { path: own, namespace: 'registered-package', pluginData: { resolveDir: path.dirname(own), keys: [own] } };
      });
    },
  };
}

/**
 * Bundles each package a project file imports (but for NOT_BUNDLED), through a module that
 * registers it under the specifier the project wrote, for the watch loop's bundles to share; a
 * package of the project's own (a workspace: its real path is no node_modules) also under its
 * folder, which cdk8s.yaml's validations name.
 */
function registeredPackages() {
  const isBare = /^(?![./]|node:)[^:]+$/;
  const isProject = (file) => file && !inNodeModules(file);
  return {
    name: 'registered-packages',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === 'registered-package' || !isBare.test(args.path) || !isProject(args.importer)) return undefined;
        const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
        if (NOT_BUNDLED.has(name)) return { path: args.path, external: true };
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, namespace: 'registered-package' });
        // A builtin, or what cannot be found (left to Node, which says so as it would).
        if (found.errors.length || found.external || !path.isAbsolute(found.path)) return { path: args.path, external: true };
        const keys = [args.path];
        if (isProject(found.path) && args.path === name) keys.push(packageFolder(found.path));
        return { path: args.path, namespace: 'registered-package', pluginData: { resolveDir: args.resolveDir, keys } };
      });
      build.onLoad({ filter: /.*/, namespace: 'registered-package' }, (args) => ({
        contents: `const m = require(${JSON.stringify(args.path)}); for (const k of ${JSON.stringify(args.pluginData.keys)}) globalThis[Symbol.for('compiled-entry.packages')].set(k, m); module.exports = m;`,
        resolveDir: args.pluginData.resolveDir,
        loader: 'js',
      }));
    },
  };
}

/** The folder of the package.json nearest above `file`. */
function packageFolder(file) {
  let dir = path.dirname(file);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function writeAtomically(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * Stack frames in a bundle name the TypeScript file, line and column they come from. Node's own
 * source maps (`--enable-source-maps`) would do it too, but they make Node search every module it
 * loads for a map, cdk8s-plus-27's 4.5 MB included: a third of a synth. This reads a bundle's map
 * only when a stack trace is formatted.
 */
const bundles = new Map();
function mapStackFrames() {
  if (Error.prepareStackTrace?.[MAIN_MARK]) return;
  const { SourceMap } = require('module');
  const mapOf = (file) => {
    if (!bundles.has(file)) return undefined;
    if (bundles.get(file) === undefined) {
      let map = null;
      try {
        map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
      } catch {
        // no map: the bundle's own lines
      }
      bundles.set(file, map);
    }
    return bundles.get(file) ?? undefined;
  };
  const format = (err, frames) => {
    const lines = frames.map((frame) => {
      const file = frame.getFileName();
      const map = file && mapOf(file);
      const entry = map && frame.getLineNumber() ? map.findEntry(frame.getLineNumber() - 1, frame.getColumnNumber() - 1) : undefined;
      if (!entry?.originalSource) return `    at ${frame}`;
      const where = `${path.resolve(path.dirname(file), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      const name = frame.getFunctionName();
      return `    at ${name ? `${name} (${where})` : where}`;
    });
    return [Error.prototype.toString.call(err), ...lines].join('\n');
  };
  format[MAIN_MARK] = true;
  Error.prepareStackTrace = format;
}

/** Maps the stack frames of `bundle` to its sources from now on. */
function mapFramesOf(bundle) {
  if (!bundles.has(bundle)) bundles.set(bundle, undefined);
  mapStackFrames();
}

/** Requires a bundle, its stack frames mapped to its sources. */
function requireBundle(bundle) {
  mapFramesOf(bundle);
  return require(bundle);
}

/**
 * Evaluates a bundle as Node would require it, compiled from V8's code cache kept beside it
 * (`<bundle>.v8`); the cache is written as the process exits, with every function the run
 * compiled, when there was none or V8 refused it (another V8 version or flags).
 */
function evaluateBundle(bundle) {
  mapFramesOf(bundle);
  const codeCache = `${bundle}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeCache);
  } catch {
    // none yet
  }
  const bytes = fs.readFileSync(bundle);
  // esbuild writes ASCII (minified, it keeps no comment that might not be): as latin1, V8 gets a
  // one-byte string without decoding it, and scans it faster than the two-byte one UTF-8 makes.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  // On the first line, so that the lines stay the bundle's own (its source map's).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeAtomically(codeCache, script.createCachedData());
      } catch {
        // a read-only cache folder: the next run compiles again
      }
    });
  }
  const mod = { exports: {}, filename: bundle, id: bundle, loaded: false };
  script.runInThisContext()(mod.exports, require('module').createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return mod.exports;
}

/** The exports of `entry`, compiled (or taken from the cache) and loaded: afresh after any edit. */
async function load(entry) {
  return requireBundle(await compile(entry));
}

/**
 * The exports of `entry` evaluated afresh, for the watch loop: esbuild keeps the build between
 * calls and re-reads only what changed; the bundle is evaluated again even when no source
 * changed, since a watched file the app reads as it runs (an image.env) changes what it yields.
 */
async function reload(entry) {
  const bundle = await compile(entry, { incremental: true });
  delete require.cache[bundle];
  return requireBundle(bundle);
}

/** Runs `entry` as the program's main module, after the `imports` (loaded in order). */
async function run(entry, imports = []) {
  for (const m of imports) requireBundle(await compile(m));
  const bundle = await compile(entry, { withPackages: true });
  running = true;
  // The entry's `require.main === module` reads this while the bundle is first evaluated; a
  // later load of the same bundle (the watch loop's) is not the main module's.
  globalThis[MAIN_MARK] = bundle;
  try {
    evaluateBundle(bundle);
  } finally {
    globalThis[MAIN_MARK] = null;
  }
}

let running = false;
/** Whether this process runs its entry through `run` (and so reloads modules with `load`). */
function isRunning() {
  return running;
}

module.exports = { compile, load, reload, run, isRunning, signature, CACHE_DIR_VARIABLE };

if (require.main === module) {
  const args = process.argv.slice(2);
  const imports = [];
  while (args[0] === '--import' && args.length > 1) imports.push(path.resolve(args.splice(0, 2)[1]));
  if (!args[0] || args[0].startsWith('-')) {
    console.error('usage: node synth/compiled-entry.js [--import MODULE]... ENTRY.ts [ARGS...]');
    process.exit(2);
  }
  const entry = path.resolve(args[0]);
  // As `node ENTRY ARGS` would see it.
  process.argv.splice(1, process.argv.length - 1, entry, ...args.slice(1));
  run(entry, imports).catch((err) => {
    // A build error says all there is (file, line, column); its stack is the launcher's. Without
    // a guard to report it, say it plainly; anything else goes on as an uncaught error.
    if (err[MAIN_MARK] && !process.listenerCount('uncaughtException')) {
      console.error(err.message);
      process.exit(1);
    }
    process.nextTick(() => { throw err; });
  });
}
