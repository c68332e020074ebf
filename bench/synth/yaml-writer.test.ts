import { spawnSync } from 'child_process';
import * as path from 'path';

// The YAML-writer row of the synth benchmark: both writers timed on the same documents, after
// checking that they write the same bytes; bad arguments are refused.
test('bench/synth/yaml-writer times both writers on the same documents, and refuses bad arguments', () => {
  const root = path.resolve(__dirname, '..', '..');
  const run = (args: string[]) => spawnSync(process.execPath, ['synth/compiled-entry.js', 'bench/synth/yaml-writer.ts', ...args], { cwd: root, encoding: 'utf-8' });
  const ok = run(['--services', '3', '--rounds', '2']);
  expect(ok.status).toBe(0);
  const figures = JSON.parse(ok.stdout);
  expect(figures).toMatchObject({ services: 3, objects: 2 + 3 * 6, rounds: 2 });
  expect(figures.library).toBeGreaterThan(0);
  expect(figures.own).toBeGreaterThan(0);
  for (const args of [['--services', '0'], ['--rounds', 'x']]) expect(run(args).status).toBe(2);
});
