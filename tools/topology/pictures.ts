import * as fs from 'fs';
import * as path from 'path';

/** One target's picture: its DOT text, to be rendered and written as `<target>.dot` and `<target>.svg`. */
export interface Picture {
  readonly target: string;
  readonly dot: string;
}

/**
 * Renders every picture, then writes them all into `out`; a render that fails writes nothing, so
 * the pictures already in `out` (the committed ones in docs/topology) stay as they were, whole.
 * Returns the files written.
 */
export async function writePictures(out: string, pictures: readonly Picture[], render: (dot: string) => Promise<string>): Promise<string[]> {
  const files: Array<{ name: string; content: string }> = [];
  for (const p of pictures) {
    let svg: string;
    try {
      svg = await render(p.dot);
    } catch (e) {
      throw new Error(`Graphviz could not render target ${p.target}: ${(e as Error).message}; nothing was written to ${out}`);
    }
    files.push({ name: `${p.target}.dot`, content: p.dot }, { name: `${p.target}.svg`, content: svg });
  }
  writeFilesWhole(out, files);
  return files.map((f) => path.join(out, f.name));
}

/**
 * Writes each file to a temporary name beside it, then renames them all into place: a reader (or a
 * run interrupted mid-write) sees each file either as it was or as it is now, never cut short.
 */
export function writeFilesWhole(dir: string, files: ReadonlyArray<{ readonly name: string; readonly content: string }>): void {
  fs.mkdirSync(dir, { recursive: true });
  const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const staged: Array<{ tmp: string; final: string }> = [];
  try {
    for (const f of files) {
      const final = path.join(dir, f.name);
      const tmp = final + suffix;
      staged.push({ tmp, final });
      fs.writeFileSync(tmp, f.content);
    }
  } catch (e) {
    for (const s of staged) fs.rmSync(s.tmp, { force: true });
    throw e;
  }
  for (const s of staged) fs.renameSync(s.tmp, s.final);
}
