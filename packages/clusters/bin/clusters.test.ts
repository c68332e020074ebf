import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../../config/targets';
import { stackName } from '../lib/clusters-app';

const ROOT = path.resolve(__dirname, '..', '..', '..');

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusters-cli-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('npm run clusters -- synth: the cdk CLI writes one CloudFormation template per EKS cluster, with no AWS account or credentials', () => {
  const out = path.join(tmp, 'cdk.out');
  // No credentials, profile or region of the machine's: the synth needs none. HOME in the
  // temporary folder keeps whatever the CLI records there.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  const r = spawnSync('npm', ['run', '--silent', 'clusters', '--', 'synth', '--output', out], {
    cwd: ROOT, encoding: 'utf-8', env: { ...env, HOME: tmp, AWS_EC2_METADATA_DISABLED: 'true', SITE_IMAGE: '', API_IMAGE: '' },
  });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stderr).not.toMatch(/Unknown option|ERROR/);

  const expected = Object.entries(deploymentConfig.clusters).filter(([, c]) => c.eks).map(([name]) => `${stackName(name)}.template.json`);
  expect(fs.readdirSync(out).filter((f) => f.endsWith('.template.json')).sort()).toEqual(expected.sort());
  for (const file of expected) {
    const resources: Array<{ Type: string }> = Object.values(JSON.parse(fs.readFileSync(path.join(out, file), 'utf-8')).Resources);
    expect(resources.filter((x) => x.Type === 'AWS::EKS::Cluster')).toHaveLength(1);
    expect(resources.filter((x) => x.Type === 'Custom::AWSCDK-EKS-KubernetesResource').length).toBeGreaterThan(0);
  }
});
