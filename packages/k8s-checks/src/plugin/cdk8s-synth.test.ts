// The plugins declared in a cdk8s.yaml and run by the real `cdk8s synth` (cdk8s-cli): the CLI
// loads the package by its path (its build, lib/index.js), constructs the class with its
// properties, and prints its own report with construct paths.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compliantManifests, container } from '../../test/policy/test-fixtures';

const PACKAGE = path.resolve(__dirname, '..', '..');
const CLI = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
const CDK8S = require.resolve('cdk8s');

let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-cdk8s-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * A cdk8s app of one chart holding these objects, with both plugins declared; runs `cdk8s synth`.
 * With `uniqueKeys`, the app also records each object's construct path under
 * `<Kind>/<namespace>/<name>` in the construct metadata, as a host app can.
 */
function synth(objects: unknown[], uniqueKeys = false) {
  fs.writeFileSync(path.join(work, 'objects.json'), JSON.stringify(objects));
  fs.writeFileSync(path.join(work, 'app.js'), [
    "const fs = require('fs');",
    `const { App, Chart, ApiObject } = require(${JSON.stringify(CDK8S)});`,
    'const app = new App();',
    "const chart = new Chart(app, 'site');",
    "const made = require('./objects.json').map((o, i) => new ApiObject(chart, `${o.kind}-${i}`, o));",
    'app.synth();',
    ...(uniqueKeys ? [
      "const file = 'dist/construct-metadata.json';",
      "const meta = JSON.parse(fs.readFileSync(file, 'utf-8'));",
      "for (const o of made) meta.resources[[o.kind, o.metadata.namespace, o.name].filter(Boolean).join('/')] = { path: o.node.path };",
      'fs.writeFileSync(file, JSON.stringify(meta));',
    ] : []),
  ].join('\n'));
  fs.writeFileSync(path.join(work, 'cdk8s.yaml'), [
    'language: typescript',
    'app: node app.js',
    'validations:',
    `  - package: ${PACKAGE}`,
    '    version: 1.0.0',
    '    class: SchemaValidation',
    `  - package: ${PACKAGE}`,
    '    version: 1.0.0',
    '    class: PolicyValidation',
  ].join('\n'));
  return spawnSync(process.execPath, [CLI, 'synth'], { cwd: work, encoding: 'utf-8', timeout: 120_000 });
}

describe('cdk8s synth with the plugins in cdk8s.yaml', () => {
  test('a compliant app passes both', () => {
    const r = synth(compliantManifests());
    expect(r.stdout).toContain('Validations ended succesfully');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(work, 'dist')).sort()).toEqual(['construct-metadata.json', 'site.k8s.yaml']);
  });

  const section = (stdout: string, rule: string): string => {
    const out = stdout.replace(/\x1b\[[0-9;]*m/g, '');
    return out.slice(out.indexOf(`${rule} (1 occurrences)`));
  };

  test('a privileged container fails, reported with rule, severity, fix and the construct path of its unique key', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const r = synth(m, true);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Validation failed');
    expect(section(r.stdout, 'polaris/runAsPrivileged [danger]')).toMatch(new RegExp([
      '^polaris/runAsPrivileged \\[danger\\] \\(1 occurrences\\)\\s+Occurrences:',
      '- Construct Path: site/Deployment-2', '- Manifest Path: dist/site\\.k8s\\.yaml', '- Resource Name: Deployment/mincloud/web',
      '- Locations:', '> spec\\.template\\.spec\\.containers\\[0\\]\\.securityContext\\.privileged',
      'Recommendation: Should not be running as privileged \\(container "web"\\)[^\\n]*', 'How to fix: Set securityContext\\.privileged: false\\.',
    ].join('\\s+')));
    expect(r.stdout).toContain('pod-security/privileged [error]');
  });

  test('with cdk8s\' own metadata (by metadata.name only), the plain name and the path cdk8s recorded for it', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const r = synth(m);
    expect(r.status).not.toBe(0);
    // Six objects are called "web": cdk8s keeps one path for the name, so the construct path may be another object's.
    const recorded = JSON.parse(fs.readFileSync(path.join(work, 'dist', 'construct-metadata.json'), 'utf-8')).resources.web.path;
    expect(section(r.stdout, 'polaris/runAsPrivileged [danger]')).toMatch(new RegExp(`- Construct Path: ${recorded}\\s+- Manifest Path: dist/site\\.k8s\\.yaml\\s+- Resource Name: web\\s`));
  });
});
