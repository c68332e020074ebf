import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONFORMANCE_ENV, locateConformance } from './locate';

describe('finding the upstream conformance cases', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-locate-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const makeFolder = (dir: string): void => {
    for (const d of ['kube-score', 'kube-linter', 'polaris', 'pod-security-admission']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'SOURCES.txt'), '');
  };

  test('shared/conformance in a parent folder of the project', () => {
    makeFolder(path.join(tmp, 'shared', 'conformance'));
    const project = path.join(tmp, 'project', 'packages', 'k8s-checks');
    fs.mkdirSync(project, { recursive: true });
    expect(locateConformance(project, {})).toBe(path.join(tmp, 'shared', 'conformance'));
  });

  test(`${CONFORMANCE_ENV} names the folder`, () => {
    makeFolder(path.join(tmp, 'cases'));
    expect(locateConformance('/', { [CONFORMANCE_ENV]: path.join(tmp, 'cases') })).toBe(path.join(tmp, 'cases'));
    expect(() => locateConformance('/', { [CONFORMANCE_ENV]: tmp })).toThrow(`${CONFORMANCE_ENV}=${tmp} is not a conformance folder`);
  });

  test('not found: the error says where it looked and how to point to the folder', () => {
    const start = path.join(tmp, 'a', 'b');
    fs.mkdirSync(start, { recursive: true });
    fs.mkdirSync(path.join(tmp, 'a', 'shared', 'conformance'), { recursive: true }); // empty: not the cases
    let message = '';
    try {
      locateConformance(start, {}, path.join(tmp, 'machine', 'conformance'));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(path.join(tmp, 'a', 'b', 'shared', 'conformance'));
    expect(message).toContain(path.join(tmp, 'a', 'shared', 'conformance'));
    expect(message).toContain(path.join(tmp, 'machine', 'conformance'));
    expect(message).toContain(`set ${CONFORMANCE_ENV}=`);
  });

  test('a checkout with no shared/ above it (a clone in a temporary folder) finds the machine\'s folder', () => {
    const project = path.join(tmp, 'clone', 'packages', 'k8s-checks');
    fs.mkdirSync(project, { recursive: true });
    makeFolder(path.join(tmp, 'machine', 'conformance'));
    expect(locateConformance(project, {}, path.join(tmp, 'machine', 'conformance'))).toBe(path.join(tmp, 'machine', 'conformance'));
  });
});
