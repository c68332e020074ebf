import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthTargets, targets } from '../../app';
import { readManifestObjects } from 'k8s-checks';

// `npm run topology`: Graphviz renders every synthesized target to SVG, naming each object.
const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(120000);
const NAMES = targets.map((t) => t.name);

const topology = (args: string[]) => spawnSync('node', ['--import', 'tsx', 'tools/topology/cli.ts', ...args], { cwd: ROOT, encoding: 'utf-8' });
/** SVG text as a person reads it: Graphviz writes '-' and '>' as entities. */
const text = (svg: string) => svg.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&#160;/g, ' ');

describe('topology pictures', () => {
  let work: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-test-'));
    await synthTargets(path.join(work, 'dist'), { env: { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' } });
    // Every target twice, all at once: each run is its own process, writing its own files.
    const runs = ['one', 'two'].flatMap((out) => NAMES.map((target) => new Promise<string>((resolve, reject) => {
      execFile('node', ['--import', 'tsx', 'tools/topology/cli.ts', '--dist', path.join(work, 'dist', target), '--out', path.join(work, out)],
        { cwd: ROOT, encoding: 'utf-8' }, (error, stdout, stderr) => (error ? reject(new Error(`topology ${target} → ${out}: ${error.message}\n${stderr}`)) : resolve(stdout)));
    })));
    await Promise.all(runs);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each(NAMES)('%s renders as SVG naming every object', (target) => {
    const svg = text(fs.readFileSync(path.join(work, 'one', `${target}.svg`), 'utf-8'));
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8" standalone="no"\?>\s*<!DOCTYPE svg[^>]*>[\s\S]*<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    const objects = readManifestObjects(path.join(work, 'dist', target)) as any[];
    for (const o of objects) {
      if (o.kind === 'Namespace') {
        // The namespace is the box around everything else.
        expect(svg).toContain(`>Namespace ${o.metadata.name} (Pod Security: restricted)</text>`);
        continue;
      }
      expect(svg).toContain(`>${o.kind}</text>`);
      expect(svg).toContain(`>${o.metadata.name}</text>`);
    }
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      expect(svg).toMatch(new RegExp(`>pods ${d.metadata.name} ×(\\d+|\\d+–\\d+)</text>`));
      expect(svg).toContain(`>workload ${d.metadata.name}</text>`);
    }
  });

  test('ports from Service to container, replicas, autoscaling and the routes are drawn', () => {
    const dev = text(fs.readFileSync(path.join(work, 'one', 'dev.svg'), 'utf-8'));
    expect(dev).toContain('>NodePort auto</text>');
    expect(dev).toContain('>80 → http (8080)</text>');
    expect(dev).toContain('>pods nginx1 ×2</text>');
    const prod = text(fs.readFileSync(path.join(work, 'one', 'prod.svg'), 'utf-8'));
    expect(prod).toContain('>pods nginx1 ×3–10</text>');
    expect(prod).toContain('>scales</text>');
    // Every path, /api included, goes to the site: its nginx proxies /api to the API.
    expect(prod).toContain('>/ → http</text>');
    expect(prod).not.toContain('>/api → http</text>');
    expect(prod).toContain('>TLS secret</text>');
    expect(prod).toContain('>9113 → metrics (9113)</text>');
    // A Knative Service is a workload: its pods between min-scale and max-scale, not a core Service.
    const preview = fs.readFileSync(path.join(work, 'one', 'preview.dot'), 'utf-8');
    expect(preview).toContain('"Service.serving.knative.dev/api" -> "Pods/api" [style=dashed, label="runs, scales"];');
    expect(preview).toContain('<B>pods api ×0–10</B>');
    expect(preview).toContain('Knative, cluster-local');
    expect(preview).not.toContain('"Service/api"');
    const staging = fs.readFileSync(path.join(work, 'one', 'staging.dot'), 'utf-8');
    expect(staging).toContain('"IngressRoute/web" -> "Service/nginx1" [label="/ → http"];');
    expect(staging).not.toContain('"IngressRoute/web" -> "Service/api"');
    expect(staging).toContain('"ServiceMonitor/nginx1" -> "Service/nginx1" [style=dashed, label="scrapes metrics"];');
    expect(staging).toContain('"clients" -> "IngressRoute/web-http" [label="web"];');
  });

  test('the same input renders byte-identical pictures', () => {
    const files = fs.readdirSync(path.join(work, 'one')).sort();
    expect(files).toEqual(NAMES.flatMap((t) => [`${t}.dot`, `${t}.svg`]).sort());
    for (const f of files) {
      expect(fs.readFileSync(path.join(work, 'two', f))).toEqual(fs.readFileSync(path.join(work, 'one', f)));
    }
  });

  test('an unknown target or option is refused: exit 1', () => {
    const qa = topology(['--target', 'qa', '--out', path.join(work, 'x')]);
    expect(qa.status).toBe(1);
    expect(qa.stderr).toContain(`topology: there is no target "qa"; use one of ${NAMES.map((t) => `"${t}"`).join(', ')}`);
    const other = topology(['--dist', path.join(work, 'dist', 'dev'), '--target', 'prod', '--out', path.join(work, 'x')]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`topology: ${path.join(work, 'dist', 'dev')} holds target "dev", not "prod"`);
    expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
    const bogus = topology(['--bogus']);
    expect(bogus.status).toBe(1);
    expect(bogus.stderr).toContain("topology: Unknown option '--bogus'");
  });
});

describe('the pictures in docs/topology', () => {
  test('match the current code (refresh: npm run topology -- --out docs/topology)', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-docs-'));
    try {
      // The default images (docker/image.env, services/api/image.env), as a plain `npm run topology`.
      execFileSync('node', ['--import', 'tsx', 'tools/topology/cli.ts', '--out', path.join(work, 'svg')], { cwd: ROOT, env: { ...process.env, SITE_IMAGE: '', API_IMAGE: '' } });
      for (const target of NAMES) {
        for (const ext of ['dot', 'svg']) {
          expect(fs.readFileSync(path.join(ROOT, 'docs', 'topology', `${target}.${ext}`), 'utf-8')).toBe(fs.readFileSync(path.join(work, 'svg', `${target}.${ext}`), 'utf-8'));
        }
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
