// Types of compiled-entry.js, the plain-JavaScript runner of TypeScript entries.

/**
 * Bundles `entry` into the cache unless it is there for its current sources; the bundle's path.
 * `incremental` keeps the build for the next call, which then rebuilds only what changed.
 */
export function compile(entry: string, options?: { readonly incremental?: boolean }): Promise<string>;
/** The exports of `entry`, compiled or from the cache: afresh after any edit of its sources. */
export function load(entry: string): Promise<unknown>;
/** The exports of `entry` evaluated afresh (the watch loop), its build kept between calls. */
export function reload(entry: string): Promise<unknown>;
/** Runs `entry` as the program's main module, after `imports`. */
export function run(entry: string, imports?: readonly string[]): Promise<void>;
/**
 * What a file's stat says of its content (inode, size, mtime, ctime): any write changes it.
 * Throws when the file cannot be read.
 */
export function signature(file: string): string;
/** Whether this process runs its entry through `run`. */
export function isRunning(): boolean;
/** The environment variable that moves the cache folder (default node_modules/.cache/compiled-entry). */
export const CACHE_DIR_VARIABLE: string;
