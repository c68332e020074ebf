import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Where derived files are kept by default: `.cache/k8s-checks/` in the node_modules folder this
 * package's dependencies were installed into (the project's own, when it is a workspace or a
 * dependency), so `npm ci` starts it afresh.
 */
function defaultCacheDir(): string {
  const ajvPackage = require.resolve('ajv/package.json');
  return path.join(path.dirname(path.dirname(ajvPackage)), '.cache', 'k8s-checks');
}
/** The part of it for this class. */
const SUBFOLDER = 'artifacts';
/**
 * Which code computes the entries: the TypeScript sources (jest, tsx) or the build (plain Node).
 * Keys hash the code, so the two never share an entry; kept under names of their own, they do
 * not evict each other either, and alternating tests and synths keep both warm.
 */
const FLAVOUR = path.extname(__filename).slice(1);
/** The environment variable that moves the cache, or turns it off (`off`). */
export const CACHE_DIR_VARIABLE = 'K8S_CHECKS_CACHE_DIR';

/**
 * Results that are slow to compute and fully decided by their inputs — compiled schema
 * validators, parsed rule files — kept on disk between runs.
 *
 * An entry is found by a name and a key that hashes every input the caller names (file
 * contents, the code that computes it, library versions), so a changed input is a new entry
 * and an out-of-date one is never read. Writing an entry removes the older entries of the same
 * name, so the folder does not grow with every change. Entries are written to a temporary file
 * and renamed into place: concurrent runs (jest workers) can share the folder.
 */
export class ArtifactCache {
  /**
   * The project's cache, in `node_modules/.cache/k8s-checks/artifacts/` or
   * `$K8S_CHECKS_CACHE_DIR/artifacts/`; `K8S_CHECKS_CACHE_DIR=off` computes everything afresh and
   * keeps nothing.
   */
  public static project(): ArtifactCache {
    const dir = process.env[CACHE_DIR_VARIABLE] || defaultCacheDir();
    return new ArtifactCache(dir === 'off' ? undefined : path.resolve(dir, SUBFOLDER));
  }

  /** A key for the given inputs. */
  public static key(...parts: ReadonlyArray<string | Buffer>): string {
    const hash = crypto.createHash('sha256');
    for (const p of parts) hash.update(p).update('\0');
    return hash.digest('hex').slice(0, 32);
  }

  /** A short, file-name-safe tag for a path, to tell apart entries computed from different files. */
  public static tag(p: string): string {
    return ArtifactCache.key(path.resolve(p)).slice(0, 8);
  }

  public constructor(public readonly dir: string | undefined) {}

  /** A JSON value: read when present, else produced and stored. */
  public json<T>(name: string, key: string, produce: () => T): T {
    const file = this.entry(name, key, '.json');
    if (file) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
      } catch {
        // missing or unreadable: produce it again
      }
    }
    const value = produce();
    if (file) this.store(name, file, JSON.stringify(value));
    return value;
  }

  /**
   * The exports of a CommonJS module kept as an entry. `produce` returns the value to use now
   * and the module's source, which later runs load instead.
   */
  public module<T>(name: string, key: string, produce: () => { value: T; source: string }): T {
    const file = this.entry(name, key, '.js');
    if (file && fs.existsSync(file)) {
      try {
        return require(file) as T;
      } catch {
        // unreadable: produce it again
      }
    }
    const { value, source } = produce();
    if (file) this.store(name, file, source);
    return value;
  }

  private entry(name: string, key: string, extension: string): string | undefined {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.includes('--')) {
      throw new Error(`cache entry name "${name}" may only use letters, digits, ".", "_" and single "-"`);
    }
    return this.dir ? path.join(this.dir, `${name}.${FLAVOUR}--${key}${extension}`) : undefined;
  }

  private store(name: string, file: string, content: string): void {
    try {
      fs.mkdirSync(this.dir!, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, file);
      for (const other of fs.readdirSync(this.dir!)) {
        if (other.startsWith(`${name}.${FLAVOUR}--`) && path.join(this.dir!, other) !== file && !other.endsWith('.tmp')) {
          fs.rmSync(path.join(this.dir!, other), { force: true });
        }
      }
    } catch {
      // A read-only or full disk costs time on the next run, not correctness.
    }
  }
}
