import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONSTRUCT_METADATA_FILE } from './construct-metadata';
import { OutputFolder } from './output-folder';
import { removeRefusedOutput, settle } from './remove-refused-output';

// What happens at the cdk8s CLI's exit (settle); the hook itself runs in a real `cdk8s synth`
// in cdk8s-synth-removes-refused-output.test.ts.
describe('the output under cdk8s synth, once the CLI has decided', () => {
  let work: string;
  let folder: OutputFolder;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  beforeEach(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'remove-refused-output-'));
    folder = new OutputFolder(path.join(work, 'dist'));
    lines.length = 0;
    // What the app writes for the CLI: the manifests and the construct metadata.
    await folder.replace('dev', (dir) => {
      fs.writeFileSync(path.join(dir, 'dev.k8s.yaml'), 'new');
      fs.writeFileSync(path.join(dir, CONSTRUCT_METADATA_FILE), '{}');
    });
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('exit 0: the manifests stay, without the construct metadata', () => {
    settle(folder, 0, log);
    expect(fs.readdirSync(folder.dir).sort()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(folder.marker()?.files).toEqual(['dev.k8s.yaml']);
    expect(lines).toEqual([]);
  });

  test('any other exit: what the synth wrote is removed, and the message says how to get the last good output', () => {
    settle(folder, 2, log);
    expect(fs.existsSync(folder.dir)).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`synth: the manifests in ${folder.dir}/ did not pass; the synth removed what it wrote there (dev.k8s.yaml), so nothing unchecked is left to apply.`);
    expect(lines[0]).toContain(`git stash; npm run synth -- --outdir ${folder.dir}; git stash pop`);
  });

  test('a file somebody put in the folder meanwhile stays', () => {
    fs.writeFileSync(path.join(folder.dir, 'notes.txt'), 'mine');
    settle(folder, 2, log);
    expect(fs.readdirSync(folder.dir)).toEqual(['notes.txt']);
  });

  test('a folder the CLI already removed (--stdout, once it passed) is nothing to settle', () => {
    fs.rmSync(folder.dir, { recursive: true });
    settle(folder, 0, log);
    settle(folder, 2, log);
    expect(lines).toEqual([]);
  });

  test('only a folder this app wrote for the CLI (marker and construct metadata) is guarded', () => {
    const other = path.join(work, 'elsewhere');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'a.yaml'), 'x');
    expect(removeRefusedOutput([path.join(other, 'a.yaml')])).toBeUndefined();
    fs.rmSync(path.join(folder.dir, CONSTRUCT_METADATA_FILE));
    expect(removeRefusedOutput([path.join(folder.dir, 'dev.k8s.yaml')])).toBeUndefined();
  });
});
