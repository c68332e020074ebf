import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PRIVATE_AUTO_MODE } from '../test/eks-settings';
import { defineClusters } from './clusters-app';
import { EksClusterStack } from './eks-cluster-stack';
import { reviewedFindings } from './nag-suppressions';
import { useTemporaryHome } from '../test/temporary-home';

useTemporaryHome();

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusters-nag-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Define = (app: App, acknowledgeReviewedFindings: boolean) => EksClusterStack[];
const IMAGES_ENV = { SITE_IMAGE: '', API_IMAGE: '' };

/** The stacks `define` adds to a new app, and what cdk-nag's AwsSolutions pack finds in them. */
function nag(define: Define, acknowledge: boolean) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'out-')) });
  const stacks = define(app, acknowledge);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, at: r.constructPath ?? r.resourceLogicalId ?? '', severity: v.severity })));
  return { app, stacks, findings };
}

describe.each<[string, Define]>([
  ['the clusters of config/targets.ts', (app, acknowledge) => defineClusters(app, IMAGES_ENV, { acknowledgeReviewedFindings: acknowledge })],
  ['a cluster on EKS Auto Mode with a private endpoint', (app, acknowledge) => [new EksClusterStack(app, 'private-auto', {
    clusterName: 'private-auto', context: 'private-auto', eks: PRIVATE_AUTO_MODE, acknowledgeReviewedFindings: acknowledge,
  })]],
])('cdk-nag AwsSolutions on %s', (_name, define) => {
  test('finds nothing that is not acknowledged, errors and warnings alike', () => {
    const { stacks, findings } = nag(define, true);
    expect(stacks.length).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });

  test('finds exactly the reviewed findings without their acknowledgements: none is stale, each has its reason', () => {
    const { stacks, findings } = nag(define, false);
    const reviewed = stacks.flatMap(reviewedFindings).filter((f) => f.id.startsWith('AwsSolutions-'));
    const covers = (f: (typeof reviewed)[number], found: (typeof findings)[number]) =>
      f.id === found.id && (found.at === f.on.node.path || found.at.startsWith(`${f.on.node.path}/`));
    expect(findings.filter((found) => !reviewed.some((f) => covers(f, found)))).toEqual([]);
    expect(reviewed.filter((f) => !findings.some((found) => covers(f, found))).map((f) => `${f.id} at ${f.on.node.path}`)).toEqual([]);
    for (const f of reviewed) expect(f.reason.length).toBeGreaterThan(40);
  });

  test("CloudFormation's template validation reports nothing that is not acknowledged, and the acknowledged finding still occurs", () => {
    const { app, stacks } = nag(define, true);
    // Throws with the whole report when a finding is not acknowledged.
    const assembly = app.synth();
    const reports: Array<{ violations: unknown[]; suppressedViolations?: Array<{ acknowledgedId: string; acknowledgedAt: string; reason: string }> }> =
      JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf-8')).pluginReports;
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []);
    for (const f of stacks.flatMap(reviewedFindings).filter((x) => !x.id.startsWith('AwsSolutions-'))) {
      expect(suppressed.filter((s) => s.acknowledgedId === f.id && s.acknowledgedAt === f.on.node.path).map((s) => s.reason)).toEqual([f.reason]);
    }
  });
});
