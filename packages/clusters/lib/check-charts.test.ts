import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../../config/targets';
import { synthTargets, targets } from '../../../app';
import { checkClusterCharts } from './check-charts';

const IMAGES_ENV = { SITE_IMAGE: '', API_IMAGE: '' };

test('checks the chart of every target on every EKS cluster, as npm run synth does', async () => {
  const objects = await checkClusterCharts(IMAGES_ENV);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-charts-'));
  try {
    let expected = 0;
    for (const [cluster, config] of Object.entries(deploymentConfig.clusters).filter(([, c]) => c.eks)) {
      const names = targets.filter((t) => t.clusters.some((c) => c.name === cluster)).map((t) => t.name);
      expect(config.eks).toBeDefined();
      for (const s of await synthTargets(path.join(tmp, cluster), { names, cluster, env: IMAGES_ENV })) expected += s.objects;
    }
    expect(objects).toBe(expected);
    expect(objects).toBeGreaterThan(0);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('refuses a chart the app refuses, with its message', async () => {
  await expect(checkClusterCharts({ SITE_IMAGE: 'docker.io/library/nginx:latest', API_IMAGE: '' })).rejects.toThrow(
    'environment variable SITE_IMAGE: invalid image tag "latest"');
});
