import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// npm run mutation-check for real (jest runs in throwaway copies) on a small project made here:
// one protection its test catches, one it does not, one entry whose name selects no test.
jest.setTimeout(120000);

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(__dirname, 'cli.ts');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf-8', timeout: 110000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('npm run mutation-check on a project with a tested and an untested protection', () => {
  let project: string;
  const guard = "export const LIMIT = 20;\n// the limit is checked by guard.test.ts\nexport const PATTERN = /^[a-z]+$/;\n";
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-project-'));
    const write = (f: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(project, f)), { recursive: true });
      fs.writeFileSync(path.join(project, f), text);
    };
    write('package.json', '{ "name": "fixture", "private": true }\n');
    write('jest.config.js', "module.exports = { testEnvironment: 'node', transform: { '^.+\\\\.tsx?$': ['@swc/jest'] } };\n");
    write('guard.ts', guard);
    write('guard.test.ts', "import { LIMIT, PATTERN } from './guard';\ntest('the limit is 20', () => expect(LIMIT).toBe(20));\ntest('names are checked', () => expect(PATTERN.test('a b')).toBe(false));\n");
    write('security/protections/guard.yaml', [
      '- id: guard-limit', '  protects: the limit', '  file: guard.ts', '  remove: "LIMIT = 20"', '  replace: "LIMIT = 99"', '  test: guard.test.ts', '  name: "the limit is 20"',
      '- id: guard-comment', '  protects: a comment that guards nothing', '  file: guard.ts', '  remove: "// the limit is checked by guard.test.ts\\n"', '  test: guard.test.ts',
      '- id: guard-pattern', '  protects: the name pattern', '  file: guard.ts', '  remove: "/^[a-z]+$/"', '  replace: "/./"', '  test: guard.test.ts', '  name: "no such test"',
    ].join('\n') + '\n');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
    execFileSync('git', ['init', '-q'], { cwd: project });
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  test('names the survivor and the entry that selects no test, exit 1; the project is left as it was', () => {
    const { code, out } = cli('--root', project, '--jobs', '2');
    expect(out).toMatch(/baseline passed .* guard\.test\.ts/);
    expect(out).toMatch(/killed .* guard-limit/);
    expect(out).toMatch(/SURVIVED .* guard-comment/);
    expect(out).toMatch(/NO TEST .* guard-pattern/);
    expect(out).toContain('guard-comment survived: guard.test.ts still passes without "// the limit is checked by guard.test.ts" in guard.ts');
    expect(out).toContain('mutation-check: 3 protections, 1 killed, 2 survived or untested');
    expect(code).toBe(1);
    expect(fs.readFileSync(path.join(project, 'guard.ts'), 'utf-8')).toBe(guard);
  });

  test('exit 0 when every protection selected is caught', () => {
    const { code, out } = cli('--root', project, '--only', 'guard-limit', '--no-baseline');
    expect(out).toContain('mutation-check: 1 protections, 1 killed, 0 survived or untested');
    expect(code).toBe(0);
  });

  test('a test that fails without any mutation stops the check', () => {
    const test = path.join(project, 'guard.test.ts');
    const before = fs.readFileSync(test, 'utf-8');
    fs.writeFileSync(test, `${before}test('broken', () => expect(1).toBe(2));\n`);
    try {
      const { code, out } = cli('--root', project, '--only', 'guard-comment');
      expect(out).toMatch(/baseline FAILED .* guard\.test\.ts/);
      expect(out).toContain('guard.test.ts fails without any mutation; fix it first');
      expect(code).toBe(1);
    } finally {
      fs.writeFileSync(test, before);
    }
  });

  test('bad options and lists: exit 2 with what to change', () => {
    expect(cli('--root', project, '--jobs', '0')).toMatchObject({ code: 2, out: expect.stringContaining('--jobs "0" is not allowed; use a whole number from 1 to 16') });
    expect(cli('--root', project, '--only', 'nope')).toMatchObject({ code: 2, out: expect.stringContaining('--only names no entry "nope"') });
    expect(cli('--root', os.tmpdir())).toMatchObject({ code: 2, out: expect.stringContaining('is not a git work tree') });
    expect(cli('--bogus')).toMatchObject({ code: 2, out: expect.stringContaining("Unknown option '--bogus'") });
  });
});
