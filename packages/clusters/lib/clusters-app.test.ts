import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as YAML from 'yaml';
import { deploymentConfig } from '../../../config/targets';
import { synthTargets, targets, unpinnedImageNotes } from '../../../app';
import { defineClusters, stackName } from './clusters-app';
import type { EksClusterStack } from './eks-cluster-stack';
import { useTemporaryHome } from '../test/temporary-home';

// The images the app uses by default (docker/image.env, services/api/image.env), whatever the
// environment running the tests says.
const IMAGES_ENV = { SITE_IMAGE: '', API_IMAGE: '' };
const ROOT = path.resolve(__dirname, '..', '..', '..');

const eksClusters = Object.entries(deploymentConfig.clusters).filter(([, c]) => c.eks).map(([name]) => name);
const targetsOn = (cluster: string) => targets.filter((t) => t.clusters.some((c) => c.name === cluster));

useTemporaryHome();

let tmp: string;
let stacks: EksClusterStack[];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusters-app-'));
  stacks = defineClusters(new App({ outdir: path.join(tmp, 'cdk.out') }), IMAGES_ENV);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('config/targets.ts has EKS clusters, and each of them a target to carry', () => {
  expect(eksClusters.length).toBeGreaterThan(0);
  for (const cluster of eksClusters) expect(targetsOn(cluster).length).toBeGreaterThan(0);
});

test('one stack per EKS cluster of config/targets.ts, in its region', () => {
  expect(stacks.map((s) => s.stackName)).toEqual(eksClusters.map(stackName));
  for (const [i, cluster] of eksClusters.entries()) expect(stacks[i].region).toBe(deploymentConfig.clusters[cluster].eks!.region);
});

test('says, on each stack, which images its targets deploy by tag rather than by digest; nothing once they are pinned', () => {
  for (const [i, cluster] of eksClusters.entries()) {
    const notes = targetsOn(cluster).flatMap((t) => unpinnedImageNotes(t, IMAGES_ENV));
    expect(notes.length).toBeGreaterThan(0);
    const warnings = Annotations.fromStack(stacks[i]).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    for (const note of notes) expect(warnings.filter((w) => w.startsWith(note))).toHaveLength(1);
  }
  const digest = `@sha256:${'0'.repeat(64)}`;
  const pinned = { SITE_IMAGE: `docker.io/mincloud/site:1.0.0${digest}`, API_IMAGE: `docker.io/mincloud/api:1.0.0${digest}` };
  for (const stack of defineClusters(new App({ outdir: path.join(tmp, 'pinned') }), pinned)) {
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('by tag'))).toEqual([]);
  }
});

describe.each(eksClusters)('cluster %s', (cluster) => {
  test.each(targetsOn(cluster).map((t) => t.name))('carries exactly the validated synth of target %s for this cluster, labelled for pruning', async (target) => {
    const stack = stacks.find((s) => s.stackName === stackName(cluster))!;
    const template = Template.fromStack(stack);
    const logicalId = stack.getLogicalId(stack.charts[target].node.defaultChild as CfnElement);
    const resource = template.toJSON().Resources[logicalId];
    expect(resource.Type).toBe('Custom::AWSCDK-EKS-KubernetesResource');
    expect(resource.Properties.ClusterName).toEqual({ Ref: stack.getLogicalId(stack.cluster.node.defaultChild as CfnElement) });

    const applied: Array<{ metadata: { labels: Record<string, string> } }> = JSON.parse(resource.Properties.Manifest);
    // The kubectl provider deletes what a new version of the chart no longer has by this label,
    // which it adds to every object: the one difference from the synth.
    const pruneLabel: string = resource.Properties.PruneLabel;
    expect(pruneLabel).toMatch(/^aws\.cdk\.eks\/prune-/);
    for (const o of applied) {
      expect(o.metadata.labels[pruneLabel]).toBe('');
      delete o.metadata.labels[pruneLabel];
      if (Object.keys(o.metadata.labels).length === 0) delete (o.metadata as { labels?: unknown }).labels;
    }

    // What `npm run synth -- --target <target> --cluster <cluster>` writes, checked by every validation plugin.
    const [synth] = await synthTargets(path.join(tmp, 'synth', cluster), { names: [target], cluster, env: IMAGES_ENV });
    expect(synth.result.validation?.passed).toBe(true);
    expect(synth.target.placement.name).toBe(cluster);
    const written = synth.result.manifests.flatMap((m) => m.objects);
    expect(written.length).toBeGreaterThan(0);
    expect(applied).toEqual(written);
  });

  test.each(targetsOn(cluster).map((t) => t.name))("applies the project's CRDs of target %s's custom resources, unchanged, before its chart", async (target) => {
    const stack = stacks.find((s) => s.stackName === stackName(cluster))!;
    const resources = Template.fromStack(stack).toJSON().Resources;
    const [synth] = await synthTargets(path.join(tmp, 'crds', cluster), { names: [target], cluster, env: IMAGES_ENV });
    const kinds = new Set(synth.result.manifests.flatMap((m) => m.objects)
      .filter((o) => o.apiVersion.includes('.') && !/\.k8s\.io\//.test(o.apiVersion)).map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}`));
    expect(kinds.size).toBeGreaterThan(0);

    const crdResources = Object.entries(resources).filter(([, r]: [string, any]) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource'
      && JSON.parse(r.Properties.Manifest).every((o: { kind: string }) => o.kind === 'CustomResourceDefinition'));
    const applied = crdResources.map(([id, r]: [string, any]) => {
      const [crd] = JSON.parse(r.Properties.Manifest);
      delete crd.metadata.labels[r.Properties.PruneLabel];
      if (Object.keys(crd.metadata.labels).length === 0) delete crd.metadata.labels;
      return { id, crd };
    });
    expect(new Set(applied.map(({ crd }) => `${crd.spec.group}/${crd.spec.names.kind}`))).toEqual(kinds);

    const projectCrds = fs.readdirSync(path.join(ROOT, 'crds'), { recursive: true, encoding: 'utf-8' }).filter((f) => f.endsWith('.yaml'))
      .map((f) => YAML.parse(fs.readFileSync(path.join(ROOT, 'crds', f), 'utf-8')));
    const chartResource = resources[stack.getLogicalId(stack.charts[target].node.defaultChild as CfnElement)];
    for (const { id, crd } of applied) {
      expect(crd).toEqual(projectCrds.find((c) => c.metadata.name === crd.metadata.name));
      expect(chartResource.DependsOn).toContain(id);
    }
  });
});
