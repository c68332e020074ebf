import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONSTRUCT_METADATA_FILE, keepLastGoodOutput, settle } from './keep-last-good';
import { OutputFolder } from './output-folder';

// What happens at the cdk8s CLI's exit (settle); the hook itself runs in a real `cdk8s synth`
// in cdk8s-synth-keeps-last-good.test.ts.
describe('the last good output under cdk8s synth', () => {
  let work: string;
  let folder: OutputFolder;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const files = () => fs.readdirSync(folder.dir).sort();

  beforeEach(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'keep-last-good-'));
    folder = new OutputFolder(path.join(work, 'dist'));
    lines.length = 0;
    await folder.replace('dev', (dir) => fs.writeFileSync(path.join(dir, 'dev.k8s.yaml'), 'good'));
    // What the app writes for the CLI: new manifests and the construct metadata, not kept yet.
    await folder.replace('dev', (dir) => {
      fs.writeFileSync(path.join(dir, 'dev.k8s.yaml'), 'new');
      fs.writeFileSync(path.join(dir, CONSTRUCT_METADATA_FILE), '{}');
    }, { keep: false });
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('exit 0: the output becomes the last good one, without the construct metadata', () => {
    settle(folder, 0, log);
    expect(files()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(folder.marker()?.files).toEqual(['dev.k8s.yaml']);
    expect(fs.readFileSync(path.join(folder.lastGoodDir, 'dev.k8s.yaml'), 'utf-8')).toBe('new');
    expect(lines).toEqual([]);
  });

  test('any other exit: the last good output is put back, and said', () => {
    settle(folder, 2, log);
    expect(fs.readFileSync(path.join(folder.dir, 'dev.k8s.yaml'), 'utf-8')).toBe('good');
    expect(files()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(lines).toEqual([`synth: ${folder.dir}/ did not pass; the last good output (target dev) was put back in its place.`]);
  });

  test('with no earlier good output, the refused output is removed', () => {
    fs.rmSync(folder.lastGoodDir, { recursive: true });
    settle(folder, 2, log);
    expect(fs.existsSync(folder.dir)).toBe(false);
    expect(lines).toEqual([`synth: ${folder.dir}/ did not pass and there was no earlier good output: ${folder.dir}/ was removed, so nothing unchecked is left to apply.`]);
  });

  test('only a folder this app wrote for the CLI (marker and construct metadata) is guarded', () => {
    const other = path.join(work, 'elsewhere');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'a.yaml'), 'x');
    expect(keepLastGoodOutput([path.join(other, 'a.yaml')])).toBeUndefined();
    fs.rmSync(path.join(folder.dir, CONSTRUCT_METADATA_FILE));
    expect(keepLastGoodOutput([path.join(folder.dir, 'dev.k8s.yaml')])).toBeUndefined();
  });
});
