import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../../config/targets';
import { synthTargets, targets } from '../../../app';

/**
 * Synthesizes and validates, as `npm run synth -- --target <t> --cluster <c>` does, every chart
 * the EKS clusters of config/targets.ts carry, with the images `env` names; throws the checks'
 * report (every finding, its object, construct path and fix) on the first that fails. The
 * stacks carry the same charts, so a deploy never applies one the checks did not pass.
 */
export async function checkClusterCharts(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mincloud-clusters-'));
  try {
    let objects = 0;
    for (const [cluster, config] of Object.entries(deploymentConfig.clusters)) {
      const names = targets.filter((t) => t.clusters.some((c) => c.name === cluster)).map((t) => t.name);
      if (!config.eks || names.length === 0) continue;
      for (const synth of await synthTargets(path.join(scratch, cluster), { names, cluster, env })) objects += synth.objects;
    }
    return objects;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
