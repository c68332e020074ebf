import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readManifestFolder } from 'k8s-checks';
import { synthTargets } from './synth-targets';

// The checks run on the objects the synth holds in memory, not on the YAML read back: for every
// target on every cluster, those objects are exactly what kubectl reads from the files written.
test('the objects the checks see are the objects read back from every file of every target', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'checks-see-'));
  try {
    const done = await synthTargets(work, { env: { ...process.env, SITE_IMAGE: '', API_IMAGE: '' }, everyCluster: true });
    expect(done.length).toBeGreaterThan(1);
    for (const { dir, result } of done) {
      const read = readManifestFolder(dir);
      expect(result.manifests.map((m) => m.path)).toEqual(read.map((f) => f.path));
      expect(result.manifests.map((m) => m.objects)).toEqual(read.map((f) => f.objects));
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
