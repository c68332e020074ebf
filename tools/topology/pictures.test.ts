import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePictures } from './pictures';

describe('writePictures', () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-pictures-'));
    fs.writeFileSync(path.join(out, 'dev.dot'), 'old dev dot');
    fs.writeFileSync(path.join(out, 'dev.svg'), 'old dev svg');
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  const render = async (dot: string) => {
    if (dot.includes('broken')) throw new Error('syntax error in line 1');
    return `<svg>${dot}</svg>`;
  };

  test('writes each target as .dot and .svg', async () => {
    const written = await writePictures(out, [{ target: 'dev', dot: 'digraph dev {}' }, { target: 'prod', dot: 'digraph prod {}' }], render);
    expect(written).toEqual(['dev.dot', 'dev.svg', 'prod.dot', 'prod.svg'].map((f) => path.join(out, f)));
    expect(fs.readFileSync(path.join(out, 'dev.svg'), 'utf-8')).toBe('<svg>digraph dev {}</svg>');
    expect(fs.readdirSync(out).sort()).toEqual(['dev.dot', 'dev.svg', 'prod.dot', 'prod.svg']);
  });

  test('a render that fails, even after another succeeded, leaves every file as it was and no temporary file', async () => {
    await expect(writePictures(out, [{ target: 'dev', dot: 'digraph dev { a }' }, { target: 'prod', dot: 'broken' }], render))
      .rejects.toThrow(`Graphviz could not render target prod: syntax error in line 1; nothing was written to ${out}`);
    expect(fs.readdirSync(out).sort()).toEqual(['dev.dot', 'dev.svg']);
    expect(fs.readFileSync(path.join(out, 'dev.dot'), 'utf-8')).toBe('old dev dot');
    expect(fs.readFileSync(path.join(out, 'dev.svg'), 'utf-8')).toBe('old dev svg');
  });

  test('a write that fails removes what it staged and leaves the old files', async () => {
    // dev's files are staged; the next cannot be written (its folder does not exist).
    await expect(writePictures(out, [{ target: 'dev', dot: 'new' }, { target: 'no-such-folder/prod', dot: 'new' }], render)).rejects.toThrow(/ENOENT/);
    expect(fs.readFileSync(path.join(out, 'dev.svg'), 'utf-8')).toBe('old dev svg');
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
