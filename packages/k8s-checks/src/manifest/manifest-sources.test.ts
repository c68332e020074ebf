import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manifestSources } from './manifest-sources';

let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-sources-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** Files (text) and symbolic links (`-> target`) under the work folder. */
function tree(entries: Record<string, string>): void {
  for (const [name, content] of Object.entries(entries)) {
    const p = path.join(work, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (content.startsWith('-> ')) fs.symlinkSync(content.slice(3), p);
    else fs.writeFileSync(p, content);
  }
}

const messages = (s: { problems: Error[] }) => s.problems.map((p) => p.message);
const inWork = (...names: string[]) => names.map((n) => path.join(work, n));

describe('manifestSources', () => {
  test('a folder: its .yaml, .yml and .json files, recursively, sorted by path; other files passed by', () => {
    tree({ 'd/b.yaml': '', 'd/a/z.yml': '', 'd/a.json': '', 'd/README.md': '', 'd/a/notes.txt': '' });
    expect(manifestSources([path.join(work, 'd')])).toEqual({ files: inWork('d/a.json', 'd/a/z.yml', 'd/b.yaml'), problems: [], notes: [] });
  });

  test('a link back into a folder being read is not followed, and said; every file is read once', () => {
    tree({ 'd/a.yaml': '', 'd/sub/b.yaml': '', 'd/self': '-> .', 'd/sub/up': '-> ..' });
    const s = manifestSources([path.join(work, 'd')]);
    expect(s.files).toEqual(inWork('d/a.yaml', 'd/sub/b.yaml'));
    expect(s.problems).toEqual([]);
    expect(s.notes).toEqual([
      `${path.join(work, 'd/self')}: a symbolic link back to ${path.join(work, 'd')}, which is being read already; not followed`,
      `${path.join(work, 'd/sub/up')}: a symbolic link back to ${path.join(work, 'd')}, which is being read already; not followed`,
    ]);
  });

  test('a file reached by several paths (a link, a folder and the file itself, the folder twice) is read once, by its first path', () => {
    tree({ 'd/a.yaml': '', 'd/alias.yaml': '-> a.yaml', 'e': '-> d' });
    const s = manifestSources([path.join(work, 'd/a.yaml'), path.join(work, 'd'), path.join(work, 'e'), path.join(work, 'd')]);
    expect(s).toEqual({ files: inWork('d/a.yaml'), problems: [], notes: [] });
  });

  test('links to folders outside are followed', () => {
    tree({ 'shared/x.yaml': '', 'd/shared': '-> ../shared', 'd/y.yaml': '' });
    expect(manifestSources([path.join(work, 'd')]).files).toEqual(inWork('d/shared/x.yaml', 'd/y.yaml'));
  });

  test('what cannot be read is named, with what to do, and the rest is still collected', () => {
    tree({ 'd/good.yaml': '', 'd/loop-a.yaml': '-> loop-b.yaml', 'd/loop-b.yaml': '-> loop-a.yaml', 'd/gone.yaml': '-> nowhere.yaml', 'd/gone-notes': '-> nowhere' });
    execFileSync('mkfifo', [path.join(work, 'd', 'pipe.yaml')]);
    const s = manifestSources([path.join(work, 'd'), path.join(work, 'missing.yaml')]);
    expect(s.files).toEqual(inWork('d/good.yaml'));
    expect(messages(s)).toEqual([
      `${path.join(work, 'd/gone.yaml')}: a symbolic link to nowhere.yaml, which does not exist; point it at a manifest file, or remove it`,
      `${path.join(work, 'd/loop-a.yaml')}: a loop of symbolic links (they lead back to each other, never to a file); point the link at a manifest file`,
      `${path.join(work, 'd/loop-b.yaml')}: a loop of symbolic links (they lead back to each other, never to a file); point the link at a manifest file`,
      `${path.join(work, 'd/pipe.yaml')}: not a file or folder (a device, socket or pipe); give manifest files, folders of them, or - for standard input`,
      `${path.join(work, 'missing.yaml')}: no such file or folder; give manifest files (.yaml, .yml, .json), folders of them, or - for standard input`,
    ].map((m) => expect.stringContaining(m)));
    expect(s.problems).toHaveLength(5);
  });

  test('a folder without manifests is a problem; - is standard input', () => {
    tree({ 'd/notes.txt': '' });
    expect(manifestSources([path.join(work, 'd'), '-'])).toEqual({
      files: ['-'],
      problems: [expect.objectContaining({ message: `${path.join(work, 'd')}: the folder holds no manifest files (.yaml, .yml, .json)` })],
      notes: [],
    });
  });
});
