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

  test('replace writes the files and a marker listing them, and keeps a last good copy beside the folder', async () => {
    expect(await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }))).toEqual(['dev.k8s.yaml']);
    expect(tree(folder.dir)).toEqual({ '.synth-output': expect.any(String), 'dev.k8s.yaml': 'a' });
    expect(folder.marker()).toEqual({ writer: 'synth', target: 'dev', files: ['dev.k8s.yaml'] });
    expect(folder.lastGoodDir).toBe(path.join(work, '.dist-last-good'));
    expect(tree(folder.lastGoodDir)).toEqual(tree(folder.dir));
    expect(fs.readdirSync(work).sort()).toEqual(['.dist-last-good', 'dist']); // no staging folder left
  });

  test('a failure while writing or checking leaves the folder and the last good copy as they were', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    const before = [tree(folder.dir), tree(folder.lastGoodDir)];
    await expect(folder.replace('dev', () => { throw new Error('construct failed'); })).rejects.toThrow('construct failed');
    await expect(folder.replace('dev', write({ 'dev.k8s.yaml': 'b' }), { check: () => { throw new Error('invalid'); } })).rejects.toThrow('invalid');
    expect([tree(folder.dir), tree(folder.lastGoodDir)]).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(['.dist-last-good', 'dist']);
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

  test('keep: false leaves the last good copy for a later step to update', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'b' }), { keep: false });
    expect(tree(folder.lastGoodDir)['dev.k8s.yaml']).toBe('a');
    folder.keep();
    expect(tree(folder.lastGoodDir)['dev.k8s.yaml']).toBe('b');
  });

  test('restore puts the last good content back in place of an emptied or half-written folder', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    const good = tree(folder.dir);
    fs.rmSync(folder.dir, { recursive: true }); // what `cdk8s synth` does before the app runs
    expect(folder.restore()).toMatchObject({ target: 'dev' });
    expect(tree(folder.dir)).toEqual(good);
    fs.writeFileSync(path.join(folder.dir, 'dev.k8s.yaml'), 'unchecked');
    folder.restore();
    expect(tree(folder.dir)).toEqual(good);
  });

  test('restore without a last good copy removes what is there: nothing unchecked is left to apply', async () => {
    fs.mkdirSync(folder.dir);
    fs.writeFileSync(path.join(folder.dir, 'dev.k8s.yaml'), 'unchecked');
    expect(folder.restore()).toBeUndefined();
    expect(fs.existsSync(folder.dir)).toBe(false);
  });

  test('the folder gets ordinary permissions (umask), not the private ones of a temporary folder', async () => {
    await folder.replace('dev', write({ 'dev.k8s.yaml': 'a' }));
    expect(fs.statSync(folder.dir).mode & 0o777).toBe(0o777 & ~process.umask());
  });
});
