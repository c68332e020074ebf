import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ForeignOutputError, OutputFolder } from './output-folder';

function tree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = fs.readFileSync(p, 'utf-8');
  }
  return out;
}

describe('OutputFolder', () => {
  let work: string;
  let folder: OutputFolder;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'output-folder-'));
    folder = new OutputFolder(path.join(work, 'dist'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => (staging: string) => {
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(staging, f), text);
  };

  test('replace writes the files and a marker listing them, and leaves nothing beside the folder', async () => {
    expect(await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }))).toEqual(['dev.k8s.yaml']);
    expect(tree(folder.dir)).toEqual({ '.synth-output': expect.any(String), 'dev.k8s.yaml': 'a' });
    expect(folder.marker()).toEqual({ writer: 'synth', target: 'dev', files: ['dev.k8s.yaml'] });
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });

  test('a failure while writing or checking leaves the folder as it was, and no staging folder', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    const before = tree(folder.dir);
    await expect(folder.replace('dev', () => { throw new Error('construct failed'); })).rejects.toThrow('construct failed');
    await expect(folder.replace('dev', write({ 'dev.k8s.yaml': 'b' }), { check: () => { throw new Error('invalid'); } })).rejects.toThrow('invalid');
    expect(tree(folder.dir)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });

  test('files the folder did not write are refused and left alone', async () => {
    fs.mkdirSync(folder.dir);
    fs.writeFileSync(path.join(folder.dir, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(folder.dir, 'sub'));
    fs.writeFileSync(path.join(folder.dir, 'sub', 'keep.yaml'), 'x');
    await expect(folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }))).rejects.toThrow(ForeignOutputError);
    await expect(folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }))).rejects
      .toThrow(`${folder.dir} holds files this command did not write ("notes.txt", "sub/keep.yaml"), and it would replace the whole folder; move them elsewhere, or write to another folder with --outdir`);
    expect(tree(folder.dir)).toEqual({ 'notes.txt': 'mine', 'sub/keep.yaml': 'x' });
  });

  test('a file where the folder would be is refused, not deleted', async () => {
    fs.writeFileSync(folder.dir, 'my notes');
    await expect(folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }))).rejects
      .toThrow(`${folder.dir} is a file, not a folder of manifests, and replacing it would delete it; move it elsewhere, or write to another folder with --outdir`);
    expect(fs.readFileSync(folder.dir, 'utf-8')).toBe('my notes');
    expect(fs.readdirSync(work)).toEqual(['dist']);
  });

  test('a file added beside the written ones is foreign too; an empty folder is not', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    fs.writeFileSync(path.join(folder.dir, 'extra.yaml'), 'someone else');
    expect(() => folder.assertOwned()).toThrow('("extra.yaml")');
    fs.rmSync(folder.dir, { recursive: true });
    fs.mkdirSync(folder.dir);
    expect(() => folder.assertOwned()).not.toThrow();
  });

  test('a new target replaces the old one whole: no stale file stays', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    await folder.replace('prod', write({ 'prod.k8s.yaml': 'b' }));
    expect(Object.keys(tree(folder.dir))).toEqual(['.synth-output', 'prod.k8s.yaml']);
  });

  test('forget removes one written file and its line in the marker; a file not written is left', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a', 'construct-metadata.json': '{}' }));
    folder.forget('construct-metadata.json');
    folder.forget('dev.k8s.yml');
    expect(Object.keys(tree(folder.dir))).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(folder.marker()?.files).toEqual(['dev.k8s.yaml']);
  });

  test('removeWritten removes what the marker lists and the marker, and the folder once empty', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a', 'construct-metadata.json': '{}' }));
    expect(folder.removeWritten()).toEqual(['construct-metadata.json', 'dev.k8s.yaml']);
    expect(fs.existsSync(folder.dir)).toBe(false);
  });

  test('removeWritten never deletes what the synth did not write', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    fs.writeFileSync(path.join(folder.dir, 'notes.txt'), 'mine');
    folder.removeWritten();
    expect(tree(folder.dir)).toEqual({ 'notes.txt': 'mine' });
    fs.writeFileSync(path.join(folder.dir, 'app.yaml'), 'no marker: not ours');
    expect(folder.removeWritten()).toEqual([]);
    expect(tree(folder.dir)).toEqual({ 'app.yaml': 'no marker: not ours', 'notes.txt': 'mine' });
  });

  test('the folder gets ordinary permissions (umask), not the private ones of a temporary folder', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    expect(fs.statSync(folder.dir).mode & 0o777).toBe(0o777 & ~process.umask());
  });
});
