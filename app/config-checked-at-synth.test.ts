import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DeploymentConfig } from '../config/deployment-config';

/**
 * Loads app/targets.ts afresh, as the synth does when it starts, with config/targets.ts changed
 * by `change` (inside the fresh module registry, so that its Durations are the app's own).
 */
function loadAppWith(change: (config: DeploymentConfig) => DeploymentConfig): typeof import('./targets') {
  return loadWith(change, './targets');
}

function loadWith<M>(change: (config: DeploymentConfig) => DeploymentConfig, module: string): M {
  let loaded: M | undefined;
  jest.isolateModules(() => {
    jest.doMock('../config/targets', () => {
      const real: typeof import('../config/targets') = jest.requireActual('../config/targets');
      return { deploymentConfig: change(real.deploymentConfig) };
    });
    loaded = require(module);
  });
  return loaded!;
}

describe('the app checks the whole config when it loads, its GitOps delivery included', () => {
  afterEach(() => jest.dontMock('../config/targets'));

  test('config/targets.ts: every target, and a GitOps delivery for each of them', () => {
    const app = loadAppWith((c) => c);
    expect(app.gitops?.targets.map((t) => t.target)).toEqual(app.targets.map((t) => t.name));
  });

  test('a mistake in gitops: stops the synth, not the first npm run gitops after it', () => {
    expect(() => loadAppWith((c) => ({ ...c, gitops: { ...c.gitops!, promotion: ['dev', 'qa'] } }))).toThrow(
      'config/targets.ts: deployment config: invalid gitops.promotion "qa": use target names: "dev", "staging", "prod", "preview"');
  });

  test('a config without gitops: has no GitOps delivery, and is no mistake', () => {
    expect(loadAppWith(({ gitops: _none, ...rest }) => rest).gitops).toBeUndefined();
  });

  test('npm run synth with a mistake in gitops: exit 1, the message, and no output written', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-at-synth-'));
    try {
      const command = loadWith<typeof import('./command')>((c) => ({ ...c, gitops: { ...c.gitops!, repository: 'rendered-manifests' } }), './command');
      const lines: string[] = [];
      const outdir = path.join(work, 'dist');
      const code = await command.synth(['--outdir', outdir, '--no-validate'], { ...process.env, TARGET: '', SITE_IMAGE: '', API_IMAGE: '' },
        { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      expect(code).toBe(1);
      expect(lines.join('\n')).toContain('synth failed: config/targets.ts: deployment config: invalid gitops.repository "rendered-manifests": use the repository URL as Argo CD has it registered');
      expect(fs.existsSync(outdir)).toBe(false);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
