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
 * half-written, and never taken over from somebody else.
 *
 * - A marker file (`.synth-output`, no manifest extension, so `kubectl apply -f dist` and the
 *   cdk8s CLI pass it by) records what wrote the folder; a non-empty folder without it, or with
 *   files it does not list, is refused, and so are a file in the folder's place and a folder
 *   that cannot be written: nothing of them is deleted.
 * - New content is written to a staging folder beside it and swapped in with two renames.
 */
export class OutputFolder {
  public static readonly MARKER = '.synth-output';

  public readonly dir: string;

  public constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The marker of the folder, or undefined when it has none (or an unreadable one). */
  public marker(): OutputMarker | undefined {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(this.dir, OutputFolder.MARKER), 'utf-8')) as OutputMarker;
      return typeof m.target === 'string' && Array.isArray(m.files) ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Throws when replacing the folder would delete or change what is not the synth's: a file in
   * its place, files its marker does not list (ForeignOutputError), or a folder its owner made
   * read-only.
   */
  public assertOwned(): void {
    if (!fs.existsSync(this.dir)) return;
    if (!fs.statSync(this.dir).isDirectory()) {
      throw new Error(`${this.dir} is a file, not a folder of manifests, and replacing it would delete it; move it elsewhere, or write to another folder with --outdir`);
    }
    const present = listFiles(this.dir);
    const owned = new Set([OutputFolder.MARKER, ...(this.marker()?.files ?? [])]);
    const foreign = present.filter((f) => !owned.has(f));
    if (foreign.length > 0) throw new ForeignOutputError(this.dir, foreign);
    try {
      fs.accessSync(this.dir, fs.constants.W_OK);
    } catch {
      const mode = (fs.statSync(this.dir).mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(`${this.dir} is read-only (mode ${mode}), and replacing it would change it; make it writable (chmod u+w ${this.dir}), or write to another folder with --outdir`);
    }
  }

  /**
   * Writes new content with `write(staging)` into a staging folder, then replaces the folder
   * with it. On any error the folder is as it was and the staging folder is gone. Returns the
   * files written, relative to the folder.
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
      return files;
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Removes one file the synth wrote and no longer needs there, and its line in the marker. */
  public forget(file: string): void {
    const marker = this.marker();
    if (!marker?.files.includes(file)) return;
    fs.rmSync(path.join(this.dir, file), { force: true });
    writeMarker(this.dir, { ...marker, files: marker.files.filter((f) => f !== file) });
  }

  /**
   * Removes what the synth wrote (the files its marker lists, and the marker), and the folder
   * when nothing else is left in it. Returns the files removed; [] for a folder the synth did
   * not write.
   */
  public removeWritten(): string[] {
    const marker = this.marker();
    if (!marker) return [];
    for (const f of marker.files) fs.rmSync(path.join(this.dir, f), { force: true });
    fs.rmSync(path.join(this.dir, OutputFolder.MARKER), { force: true });
    if (fs.readdirSync(this.dir).length === 0) fs.rmdirSync(this.dir);
    return [...marker.files];
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

/**
 * Replaces `dest` by `src` with two renames: at no point is `dest` half-written. When the
 * previous content cannot be removed, the swap is undone, so that the caller's "left as it was"
 * stays true and no `-previous` folder is left behind.
 */
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
  try {
    fs.rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    fs.renameSync(dest, src);
    fs.renameSync(previous, dest);
    throw err;
  }
}

function listShort(files: readonly string[]): string {
  const shown = files.slice(0, 5).map((f) => `"${f}"`).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more` : shown;
}
