import * as fs from 'fs';
import * as path from 'path';

/** What the marker file of an output folder records. */
export interface OutputMarker {
  /** What wrote the folder, e.g. `synth`. */
  readonly writer: string;
  /** The target the folder holds. */
  readonly target: string;
  /** For a target on several clusters: the cluster its manifests are for. @default - the target runs on one cluster */
  readonly cluster?: string;
  /** The files the writer put there, relative to the folder. */
  readonly files: readonly string[];
}

export interface ReplaceOptions {
  /** Runs on the staged files before anything is replaced; throws to refuse them. @default - none */
  readonly check?: (staging: string, files: string[]) => void | Promise<void>;
  /**
   * Keep the new content as the last good one right away. `false` when a later step (the cdk8s
   * CLI's validation) still has to accept it. @default true
   */
  readonly keep?: boolean;
  /** The cluster the content is for, recorded in the marker (a target on several clusters). @default - none recorded */
  readonly cluster?: string;
}

/** Thrown when an output folder holds files its writer did not put there. */
export class ForeignOutputError extends Error {
  public constructor(readonly dir: string, readonly foreign: readonly string[]) {
    super(`${dir} holds files this command did not write (${listShort(foreign)}), and it would replace the whole folder; `
      + 'move them elsewhere, or write to another folder with --outdir');
    this.name = 'ForeignOutputError';
  }
}

/**
 * A folder of generated manifests (`dist/`) that is only ever replaced whole, never
 * half-written, and never taken over from somebody else; under `cdk8s synth`, with the app's
 * KeepLastGoodOutput entry in cdk8s.yaml, it only ever holds output that passed the validation
 * plugins (keep-last-good.ts).
 *
 * - A marker file (`.synth-output`, no manifest extension, so `kubectl apply -f dist` and the
 *   cdk8s CLI pass it by) records what wrote the folder; a non-empty folder without it, or with
 *   files it does not list, is refused.
 * - New content is written to a staging folder beside it and swapped in with two renames.
 * - The last good content is also kept in `.<name>-last-good/` beside it: `cdk8s synth` empties
 *   the folder before the app runs, so a failed run puts that copy back.
 */
export class OutputFolder {
  public static readonly MARKER = '.synth-output';

  public readonly dir: string;
  /** Where the last good content is kept. */
  public readonly lastGoodDir: string;

  public constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.lastGoodDir = path.join(path.dirname(this.dir), `.${path.basename(this.dir)}-last-good`);
  }

  /** The marker of the folder, or undefined when it has none (or an unreadable one). */
  public marker(dir = this.dir): OutputMarker | undefined {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, OutputFolder.MARKER), 'utf-8')) as OutputMarker;
      return typeof m.target === 'string' && Array.isArray(m.files) ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /** Rewrites the folder's marker (after a file it lists was removed). */
  public writeMarker(marker: OutputMarker): void {
    writeMarker(this.dir, marker);
  }

  /** Throws ForeignOutputError when the folder holds anything its marker does not list. */
  public assertOwned(): void {
    const present = listFiles(this.dir);
    if (present.length === 0) return;
    const owned = new Set([OutputFolder.MARKER, ...(this.marker()?.files ?? [])]);
    const foreign = present.filter((f) => !owned.has(f));
    if (foreign.length > 0) throw new ForeignOutputError(this.dir, foreign);
  }

  /**
   * Writes new content with `write(staging)` into a staging folder, then replaces the folder
   * with it and keeps a copy as the last good content. On any error the folder is as it was.
   * Returns the files written, relative to the folder.
   */
  public async replace(target: string, write: (staging: string) => void | Promise<void>, options: ReplaceOptions = {}): Promise<string[]> {
    this.assertOwned();
    const parent = path.dirname(this.dir);
    fs.mkdirSync(parent, { recursive: true });
    const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(this.dir)}-staging-`));
    try {
      await write(staging);
      const files = listFiles(staging);
      await options.check?.(staging, files);
      writeMarker(staging, { writer: 'synth', target, ...(options.cluster !== undefined ? { cluster: options.cluster } : {}), files });
      // mkdtemp makes the folder private (0700); the output is an ordinary folder.
      fs.chmodSync(staging, 0o777 & ~process.umask());
      swap(staging, this.dir);
      if (options.keep ?? true) this.keep();
      return files;
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Saves what the folder holds now as the last good content. */
  public keep(): void {
    if (!fs.existsSync(this.dir)) return;
    const copy = `${this.lastGoodDir}.${process.pid}.tmp`;
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(this.dir, copy, { recursive: true });
    swap(copy, this.lastGoodDir);
  }

  /**
   * Puts the last good content back in place of whatever the folder holds now. Returns the
   * marker of what was restored, or undefined when there was nothing to restore (the folder is
   * then removed: no unchecked output is left for `kubectl apply` to pick up).
   */
  public restore(): OutputMarker | undefined {
    const kept = this.marker(this.lastGoodDir);
    if (!kept) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      return undefined;
    }
    const copy = `${this.dir}.${process.pid}.restore`;
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(this.lastGoodDir, copy, { recursive: true });
    swap(copy, this.dir);
    return kept;
  }
}

function writeMarker(dir: string, marker: OutputMarker): void {
  fs.writeFileSync(path.join(dir, OutputFolder.MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}


/** Every file below `dir`, relative, sorted; [] when it does not exist. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

/** Replaces `dest` by `src` with two renames: at no point is `dest` half-written. */
function swap(src: string, dest: string): void {
  if (!fs.existsSync(dest)) {
    fs.renameSync(src, dest);
    return;
  }
  const previous = `${src}-previous`;
  fs.renameSync(dest, previous);
  try {
    fs.renameSync(src, dest);
  } catch (err) {
    fs.renameSync(previous, dest);
    throw err;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

function listShort(files: readonly string[]): string {
  const shown = files.slice(0, 5).map((f) => `"${f}"`).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more` : shown;
}
