import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The layers of docs/architecture.md, as the imports spell them: each arrow points one way.

const ROOT = path.join(__dirname, '..');
const layerOf = (file: string): string => {
  if (file === 'main.ts') return 'main.ts';
  const top = file.split('/')[0];
  return ['app', 'config', 'lib', 'synth', 'tools', 'test', 'bench'].includes(top) ? top : 'other';
};

/** The file an import names: `x` is `x.ts`, or `x/index.ts` for a folder. */
function resolveImport(target: string): string {
  if (fs.existsSync(path.join(ROOT, `${target}.ts`))) return `${target}.ts`;
  if (fs.existsSync(path.join(ROOT, target, 'index.ts'))) return `${target}/index.ts`;
  return target;
}

/** Every TypeScript file of the project (its tests too, with `tests`), with the project files it imports. */
function sourceImports(tests: boolean): Array<{ file: string; imports: string[] }> {
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { encoding: 'utf-8' })
    .split('\n').filter((f) => f && (tests || !f.endsWith('.test.ts')) && !/^(imports|packages|node_modules)\//.test(f) && fs.existsSync(path.join(ROOT, f)));
  return files.map((file) => {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf-8'), true, true);
    const imports = importedFiles.map((i) => i.fileName).filter((spec) => spec.startsWith('.'))
      .map((spec) => resolveImport(path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec))));
    return { file, imports };
  });
}

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  'lib': [],
  'synth': [],
  'config': ['lib'],
  'app': ['config', 'lib', 'synth'],
  'main.ts': ['app', 'synth'],
};

describe('layers: the imports point one way', () => {
  const sources = sourceImports(false);

  test.each(Object.entries(ALLOWED))('%s imports only what it builds on', (layer, allowed) => {
    const wrong = sources.filter((s) => layerOf(s.file) === layer)
      .flatMap((s) => s.imports.filter((i) => {
        const to = layerOf(i);
        return to !== layer && to !== 'other' && !allowed.includes(to);
      }).map((i) => `${s.file} imports ${i}`));
    expect(wrong).toEqual([]);
  });

  test('nothing imports main.ts: the tools, tests and benchmarks use app/', () => {
    const importers = sourceImports(true).filter((s) => s.imports.includes('main.ts')).map((s) => s.file);
    expect(importers).toEqual([]);
  });
});
