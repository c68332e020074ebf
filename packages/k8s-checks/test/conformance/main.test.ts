import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONFORMANCE_ENV } from './locate';
import { main } from './main';

describe('npm run conformance', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
  });
  afterEach(() => jest.restoreAllMocks());

  test('--help says what it does', () => {
    expect(main(['--help'])).toBe(0);
    expect(out.join('')).toContain('prints the score per tool');
  });

  test('without the cases: exit status 2 and where it looked', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-main-'));
    const saved = process.env[CONFORMANCE_ENV];
    process.env[CONFORMANCE_ENV] = empty;
    try {
      expect(main([])).toBe(2);
    } finally {
      if (saved === undefined) delete process.env[CONFORMANCE_ENV]; else process.env[CONFORMANCE_ENV] = saved;
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(err.join('')).toContain(`conformance: ${CONFORMANCE_ENV}=${empty} is not a conformance folder`);
  });
});
