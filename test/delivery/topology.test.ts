import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../main';
import { readManifestFolder } from '../../lib/synth/manifest-files';

// `npm run topology`: Graphviz renders every synthesized target to SVG, naming each object.
const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(60000);

describe('topology pictures', () => {
  let work: string;
  const topology = (out: string) => execFileSync('node', ['-r', 'ts-node/register/transpile-only', 'tools/topology/cli.ts',
    '--dist', path.join(work, 'dist'), '--out', out], { cwd: ROOT, encoding: 'utf-8' });
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-test-'));
    main(['--outdir', path.join(work, 'dist')], process.env, () => undefined);
    topology(path.join(work, 'one'));
    topology(path.join(work, 'two'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each(['dev', 'staging', 'prod'])('%s renders as SVG naming every object', (target) => {
    // Graphviz writes '-' as an entity in text.
    const svg = fs.readFileSync(path.join(work, 'one', `${target}.svg`), 'utf-8').replace(/&#45;/g, '-');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<!DOCTYPE svg/);
    expect(svg).toContain('</svg>');
    const objects = readManifestFolder(path.join(work, 'dist', target)).files.flatMap((f) => f.manifests) as any[];
    for (const o of objects) {
      if (o.kind === 'Namespace') {
        // The namespace is the box around everything else.
        expect(svg).toContain(`>Namespace ${o.metadata.name} (Pod Security: restricted)</text>`);
        continue;
      }
      expect(svg).toContain(`>${o.kind}</text>`);
      expect(svg).toContain(`>${o.metadata.name}</text>`);
    }
    expect(svg).toContain('Pod Security: restricted');
  });

  test('the same input renders byte-identical pictures', () => {
    for (const f of fs.readdirSync(path.join(work, 'one'))) {
      expect(fs.readFileSync(path.join(work, 'two', f))).toEqual(fs.readFileSync(path.join(work, 'one', f)));
    }
  });

  test('an unknown target is refused with the ones there are', () => {
    expect(() => execFileSync('node', ['-r', 'ts-node/register/transpile-only', 'tools/topology/cli.ts', '--dist', path.join(work, 'dist'),
      '--target', 'qa', '--out', path.join(work, 'x')], { cwd: ROOT, encoding: 'utf-8', stdio: 'pipe' })).toThrow(/no target "qa" in .*; have dev, prod, staging/);
  });
});

describe('the pictures in docs/topology', () => {
  test('match the current code (refresh: npm run synth && npm run topology -- --out docs/topology)', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-docs-'));
    try {
      main(['--outdir', path.join(work, 'dist')], { ...process.env, SITE_IMAGE: '', API_IMAGE: '' }, () => undefined);
      execFileSync('node', ['-r', 'ts-node/register/transpile-only', 'tools/topology/cli.ts', '--dist', path.join(work, 'dist'), '--out', path.join(work, 'svg')], { cwd: ROOT });
      for (const target of ['dev', 'staging', 'prod']) {
        expect(fs.readFileSync(path.join(ROOT, 'docs', 'topology', `${target}.svg`), 'utf-8')).toBe(fs.readFileSync(path.join(work, 'svg', `${target}.svg`), 'utf-8'));
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
