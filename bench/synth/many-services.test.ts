import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readManifestFile } from 'k8s-checks';
import { synthesizeServices } from './many-services';

// The generated app the synth benchmark times: it must be what it claims, every production
// object per service, passing every check.

describe('bench/synth/many-services', () => {
  let work: string;
  beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'many-services-')); });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('N services: a Namespace, a PriorityClass and six objects each, all checks passing', async () => {
    expect(await synthesizeServices(3, path.join(work, 'out'))).toEqual({ objects: 2 + 3 * 6 });
    const docs = readManifestFile(path.join(work, 'out', 'bench.k8s.yaml')).objects;
    const kinds = docs.map((d) => d.kind);
    for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'HorizontalPodAutoscaler']) {
      expect([kind, kinds.filter((k) => k === kind).length]).toEqual([kind, 3]);
    }
  });

  test('the command line: --no-checks, and usage errors exit 2', () => {
    const root = path.resolve(__dirname, '..', '..');
    const cli = (args: string[]) => spawnSync(process.execPath, ['synth/compiled-entry.js', 'bench/synth/many-services.ts', ...args], { cwd: root, encoding: 'utf-8' });
    const ok = cli(['--services', '2', '--no-checks', '--outdir', path.join(work, 'out')]);
    expect([ok.status, ok.stdout]).toEqual([0, `${path.join(work, 'out')}: 2 services, 14 objects\n`]);
    for (const args of [[], ['--services', '0', '--outdir', work], ['--services', '2'], ['--services', '2', '--outdir', work, '--fast']]) {
      const r = cli(args);
      expect([r.status, r.stderr]).toEqual([2, 'usage: many-services.ts --services N (a whole number >= 1) --outdir DIR [--no-checks] [--watch]\n']);
    }
  });
});
