// The manifest files named by the command line: files, folders (recursively: .yaml, .yml,
// .json) and `-`. Symbolic links are followed, but a link back into a folder being read is not
// (it would lead round for ever), and a file reached by several paths is read once. What cannot
// be read is a problem naming the path; the other paths are still collected.

import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../input-error';

/** What the paths given hold. */
export interface ManifestSources {
  /** Manifest files to read, in order (`-` for standard input), each real file once. */
  readonly files: string[];
  /** Paths that cannot be read: each names the path, what is wrong and what to do. */
  readonly problems: InputError[];
  /** What was passed by on purpose and is worth saying (a symbolic link loop not followed). */
  readonly notes: string[];
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** The manifest files of the paths given (a folder: its .yaml, .yml and .json files, recursively, sorted). */
export function manifestSources(paths: readonly string[]): ManifestSources {
  const files: string[] = [];
  const problems: InputError[] = [];
  const notes: string[] = [];
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();

  const addFile = (file: string, real: string) => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(file);
  };

  /** The manifest files below `dir`, relative to `root`; `ancestors` are the real paths of the folders being read. */
  const walk = (root: string, dir: string, ancestors: ReadonlyMap<string, string>, found: Array<[string, string]>) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push(unreadable(dir, e));
      return;
    }
    // In name order, so problems and notes come out the same on every file system.
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      let stat: Pick<fs.Stats, 'isDirectory' | 'isFile'>;
      try {
        stat = entry.isSymbolicLink() ? fs.statSync(full) : entryStat(entry, full);
      } catch (e) {
        // A link that leads nowhere matters only where a manifest was meant to be.
        if (MANIFEST_FILE.test(entry.name)) problems.push(unreadable(full, e));
        continue;
      }
      if (stat.isDirectory()) {
        const real = realPath(full);
        const loop = ancestors.get(real);
        if (loop !== undefined) {
          notes.push(`${full}: a symbolic link back to ${loop}, which is being read already; not followed`);
        } else if (!seenFolders.has(real)) {
          seenFolders.add(real);
          walk(root, full, new Map([...ancestors, [real, full]]), found);
        }
      } else if (MANIFEST_FILE.test(entry.name)) {
        if (stat.isFile()) found.push([path.relative(root, full), realPath(full)]);
        else problems.push(notAFile(full));
      }
    }
  };

  for (const p of paths) {
    if (p === '-') {
      files.push(p);
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      problems.push(unreadable(p, e));
      continue;
    }
    if (stat.isDirectory()) {
      const real = realPath(p);
      if (seenFolders.has(real)) continue;
      seenFolders.add(real);
      const found: Array<[string, string]> = [];
      const before = problems.length;
      walk(p, p, new Map([[real, p]]), found);
      if (found.length === 0 && problems.length === before) {
        problems.push(new InputError(`${p}: the folder holds no manifest files (.yaml, .yml, .json)`));
      }
      // Sorted by path, as a listing of the whole tree would be.
      for (const [rel, realFile] of found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) addFile(path.join(p, rel), realFile);
    } else if (stat.isFile()) {
      addFile(p, realPath(p));
    } else {
      problems.push(notAFile(p));
    }
  }
  return { files, problems, notes };
}

function notAFile(p: string): InputError {
  return new InputError(`${p}: not a file or folder (a device, socket or pipe); give manifest files, folders of them, or - for standard input`);
}

/** The stat of a folder entry that is no link (no extra system call for the common case). */
function entryStat(entry: fs.Dirent, full: string): Pick<fs.Stats, 'isDirectory' | 'isFile'> {
  return entry.isDirectory() || entry.isFile() ? entry : fs.statSync(full);
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Why a path cannot be read, and what to do, from the system's error. */
export function unreadable(p: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': {
      const target = linkTarget(p);
      return new InputError(target === undefined
        ? `${p}: no such file or folder; give manifest files (.yaml, .yml, .json), folders of them, or - for standard input`
        : `${p}: a symbolic link to ${target}, which does not exist; point it at a manifest file, or remove it`);
    }
    case 'ELOOP':
      return new InputError(`${p}: a loop of symbolic links (they lead back to each other, never to a file); point the link at a manifest file`);
    case 'EACCES':
    case 'EPERM':
      return new InputError(`${p}: permission denied; make it readable, or leave it out`);
    case 'ERR_STRING_TOO_LONG':
      return new InputError(`${p}: too large to read as one text; split it into several files`);
    case 'ENOTDIR':
      return new InputError(`${p}: a part of the path is a file, not a folder`);
    default:
      return new InputError(`${p}: cannot be read (${code ?? (e as Error)?.message ?? String(e)})`);
  }
}

function linkTarget(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}
