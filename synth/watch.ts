import * as fs from 'fs';
import * as path from 'path';
import type { FSWatcher } from 'chokidar';
import { describeError, displayPath } from './describe-error';
import * as compiled from './compiled-entry';
import { compareObjects } from './manifest-diff';
import { sameWrittenText, writtenText } from './synth-app';
import { CheckMemo, KubeObject, readManifestObjects } from 'k8s-checks';
import { OutputFolder } from './output-folder';
import { describePlacement, placeTarget } from './placement';
import type { CommandIo, SynthCommandOptions } from './synth-command';
import { OutputValidationError, synthTarget } from './synth-target';

export interface WatchOptions<T extends { readonly name: string }> {
  readonly outdir: string;
  /** The target to synthesize. @default - the first target */
  readonly target?: string;
  /** For a target on several clusters, the one to synthesize it for. @default - its first cluster */
  readonly cluster?: string;
  /** The module that defines the app (main.ts): loaded afresh, with the project's own modules, on every change. */
  readonly entry: string;
  /** What a synth needs, from the freshly loaded entry module's exports. */
  readonly options: (entryExports: unknown) => SynthCommandOptions<T>;
  /** Files and folders whose changes re-synthesize. */
  readonly paths: readonly string[];
  /**
   * The project's folder: modules below it are re-read on a change, except node_modules, the
   * generated imports and the workspace packages, which stay loaded (that is the point).
   * @default - the entry's folder
   */
  readonly root?: string;
  readonly io: CommandIo;
}

/** A running watch loop. */
export interface SynthWatcher {
  /** Resolves once the first synth ran and the files are being watched. */
  readonly ready: Promise<void>;
  /** Stops watching. */
  close(): Promise<void>;
}

/**
 * `npm run synth -- --watch`: one process stays up with cdk8s, the generated classes and the
 * checks loaded; every save of the app's sources re-reads the app's own modules, synthesizes and
 * validates the target, replaces the output folder only when it passed, and says what changed
 * in it (objects added, removed, changed) or what is wrong.
 */
export function watchSynth<T extends { readonly name: string }>(options: WatchOptions<T>): SynthWatcher {
  const root = path.resolve(options.root ?? path.dirname(options.entry));
  const io = options.io;
  const shown = displayPath(options.outdir);
  let previous = readPrevious(options.outdir, options.target);
  // A save changes a few objects: the checks of one object alone run for those only. An object
  // is known by the YAML it was written as, which is what the checks check.
  const memo = new CheckMemo(writtenText);
  let running = false;
  let again = false;
  /** Why the next synth runs, when it runs because of what happened during this one. */
  let againReason = 'changed while synthesizing';

  /** Each changed file's state as the latest synth read it: an event for that same state is the same save. */
  const seen = new Map<string, string | undefined>();
  /** Files changed since the latest synth started. */
  const changed = new Set<string>();
  const onChange = (file: string): void => {
    const state = fileState(file);
    if (seen.has(file) && seen.get(file) === state) return;
    changed.add(file);
    void run(path.relative(process.cwd(), file));
  };

  const run = async (reason: string): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const started = performance.now();
    const read = new Map([...changed].map((f) => [f, fileState(f)]));
    changed.clear();
    for (const [f, state] of read) seen.set(f, state);
    /** The first file this synth read that has changed since. */
    const movedSinceRead = (): string | undefined => [...read].find(([f, state]) => fileState(f) !== state)?.[0];
    // A synth can start on the first event of a save, before the file is complete: its output
    // replaces the folder only once the files it read have stayed as they were for SETTLE_MS
    // (what awaitWriteFinish waits for before an event) and no other file changed meanwhile.
    const settled = async (): Promise<void> => {
      // Lets the events that came in while the synth held the thread arrive.
      await new Promise((resolve) => setImmediate(resolve));
      const wait = started + SETTLE_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const moved = movedSinceRead() ?? [...changed][0];
      if (moved !== undefined) throw new StillChanging(moved, true);
    };
    try {
      const fresh = await freshEntry(options.entry, root);
      // A file that changed while it was read (an editor truncates, then writes): read again,
      // at the cost of a compile rather than of a whole synth.
      const moved = movedSinceRead();
      if (moved !== undefined) throw new StillChanging(moved, false);
      const command = options.options(fresh);
      const found = command.targets.find((t) => t.name === (options.target || command.targets[0].name));
      if (!found) throw new Error(`there is no target "${options.target}"; use one of ${command.targets.map((t) => `"${t.name}"`).join(', ')}`);
      const placed = placeTarget(command, found, options.cluster);
      const target = placed.target;
      const result = await synthTarget({ outdir: options.outdir, target, cluster: placed.cluster, build: command.build, validate: command.validate({ memo }), beforeReplace: settled });
      const objects = result.manifests.flatMap((m) => m.objects);
      const diff = compareObjects(target.name, previous, objects, sameWrittenText);
      previous = objects;
      const ms = Math.round(performance.now() - started);
      const changes = [...diff.added.map((k) => `+ ${k}`), ...diff.removed.map((k) => `- ${k}`), ...diff.changed.map((c) => `~ ${c.object}`)];
      io.out(`${reason}: ${shown} target ${target.name}${describePlacement(placed)}, ${result.objects} objects validated and written in ${ms} ms; `
        + `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
      for (const line of changes) io.out(`  ${line}`);
    } catch (caught) {
      // An error from a file caught half-written is no error of the app's: the next synth says.
      const err = caught instanceof StillChanging ? caught : await settled().then(() => caught, (unsettled: unknown) => unsettled);
      const ms = Math.round(performance.now() - started);
      if (err instanceof StillChanging) {
        changed.add(err.file);
        again = true;
        // Read again before anything was synthesized: the same save, said once, for its reason.
        if (!err.synthesized) againReason = reason;
        else io.out(`${reason}: ${path.relative(process.cwd(), err.file)} changed while synthesizing; ${shown} was left unchanged, synthesizing again (${ms} ms)`);
      } else {
        io.err(`${reason}: ${err instanceof OutputValidationError ? err.outcome.report : `synth failed: ${describeError(err)}`}`);
        io.err(`  ${shown} was left unchanged (${ms} ms)`);
      }
    } finally {
      running = false;
    }
    if (again) {
      const why = againReason;
      again = false;
      againReason = 'changed while synthesizing';
      await run(why);
    }
  };

  let watcher: FSWatcher | undefined;
  const start = async (): Promise<void> => {
    await run('first synth');
    // Loaded here, not with the module: a synth without --watch does not need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { watch } = require('chokidar') as typeof import('chokidar');
    const w = watch(options.paths.map((p) => path.resolve(p)), {
      ignoreInitial: true,
      ignored: (p: string) => /(^|[/\\])(node_modules|\.git)([/\\]|$)|\.test\.ts$/.test(p),
      // Editors save in several steps (write, rename); one synth for the whole save.
      awaitWriteFinish: { stabilityThreshold: 20, pollInterval: 10 },
    });
    watcher = w;
    w.on('all', (_event, file) => onChange(path.resolve(file)));
    // The first sign of a save, before awaitWriteFinish has seen it settle: a synth started now
    // overlaps the settling instead of following it (settled() decides whether it is written).
    w.on('raw', (_event, name, details) => {
      const file = watchedFile(w, (details as { watchedPath?: string } | undefined)?.watchedPath, name);
      if (file) onChange(file);
    });
    await new Promise<void>((resolve, reject) => {
      w.once('ready', resolve);
      w.once('error', reject);
    });
    io.out(`watching ${options.paths.map((p) => path.relative(process.cwd(), p) || '.').join(', ')} (Ctrl-C stops)`);
  };
  const ready = start();
  return { ready, close: async () => { await watcher?.close(); } };
}

/** How long the files a synth read must stay unchanged before its output is written (as awaitWriteFinish's stabilityThreshold). */
const SETTLE_MS = 20;

/** Thrown before the output is replaced when a file changed while the synth ran: the output may come from a half-written file. */
class StillChanging extends Error {
  /** @param synthesized whether the synth had run (else the change was seen as the app was read) */
  public constructor(readonly file: string, readonly synthesized: boolean) {
    super(`${file} changed while synthesizing`);
  }
}

/** What a save changes of a file (the runner's signature; gone: undefined); equal states, equal content. */
function fileState(file: string): string | undefined {
  try {
    return compiled.signature(file);
  } catch {
    return undefined;
  }
}

/**
 * The file a raw event of the watcher is about, when it is one the watcher watches (not
 * ignored, known before the event); else undefined. A folder's watcher names the entry, a file's
 * watcher the file itself.
 */
function watchedFile(w: FSWatcher, watchedPath: string | undefined, name: unknown): string | undefined {
  if (!watchedPath || typeof name !== 'string') return undefined;
  const watched = w.getWatched();
  for (const candidate of [path.join(watchedPath, name), watchedPath]) {
    const file = path.resolve(candidate);
    if (watched[path.dirname(file)]?.includes(path.basename(file)) && !watched[file]) return file;
  }
  return undefined;
}

/** The objects the output folder holds for `target`, to tell what the first synth changes. */
function readPrevious(outdir: string, target: string | undefined): KubeObject[] {
  const marker = new OutputFolder(outdir).marker();
  if (!marker || (target && marker.target !== target) || !fs.existsSync(outdir)) return [];
  return readManifestObjects(outdir);
}

/**
 * The entry module's exports, its project modules read again: compiled afresh when the process
 * runs compiled (npm run synth), else required again after dropping them from Node's module cache
 * (tsx, jest). Packages stay loaded either way.
 */
async function freshEntry(entry: string, root: string): Promise<unknown> {
  if (compiled.isRunning()) return compiled.reload(entry);
  forgetProjectModules(root);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(entry);
}

/** Drops the project's own modules from Node's module cache, so the next require reads them again. */
function forgetProjectModules(root: string): void {
  const keep = ['node_modules', 'imports', 'packages'].map((d) => `${path.join(root, d)}${path.sep}`);
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(`${root}${path.sep}`) && !keep.some((k) => file.startsWith(k)) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
      delete require.cache[file];
    }
  }
}
