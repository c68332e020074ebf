// Checks written for Polaris beyond its defaults: a folder of check files with its own
// default.yaml, using Polaris' own schema keywords resourceMinimum and resourceMaximum.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkPolaris } from './polaris';
import { compliantManifests, container } from '../../test/policy/test-fixtures';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polaris-custom-'));
  fs.writeFileSync(path.join(dir, 'default.yaml'), 'checks:\n  memoryRequestsInRange: danger\n  cpuLimitAtMost: warning\n');
  fs.writeFileSync(path.join(dir, 'memoryRequestsInRange.yaml'), [
    'successMessage: Memory requests are within the range',
    'failureMessage: Memory requests should be between 64Mi and 1Gi',
    'category: Efficiency',
    'target: Container',
    'schema:',
    "  '$schema': http://json-schema.org/draft-07/schema",
    '  type: object',
    '  required: [resources]',
    '  properties:',
    '    resources:',
    '      type: object',
    '      required: [requests]',
    '      properties:',
    '        requests:',
    '          type: object',
    '          required: [memory]',
    '          properties:',
    '            memory:',
    '              type: string',
    '              resourceMinimum: 64Mi',
    '              resourceMaximum: 1Gi',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'cpuLimitAtMost.yaml'), [
    'successMessage: CPU limit is small enough',
    'failureMessage: CPU limit should be at most 1',
    'category: Efficiency',
    'target: Container',
    'schemaString: |',
    '  type: object',
    '  properties:',
    '    resources:',
    '      properties:',
    '        limits:',
    '          properties:',
    '            cpu:',
    '              resourceMaximum: "1"',
  ].join('\n'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const hits = (m: any[]) => checkPolaris(m, dir).findings.map((f) => `${f.rule} ${f.severity}`).sort();

describe('Polaris custom checks with resourceMinimum / resourceMaximum', () => {
  test('quantities inside the range pass', () => {
    const m: any[] = compliantManifests();
    container(m).resources.requests.memory = '128Mi';
    container(m).resources.limits.cpu = '500m';
    expect(hits(m)).toEqual([]);
  });

  test('below the minimum, above the maximum, in other units', () => {
    const low: any[] = compliantManifests();
    container(low).resources.requests.memory = '32Mi';
    expect(hits(low)).toEqual(['memoryRequestsInRange danger']);
    const high: any[] = compliantManifests();
    container(high).resources.requests.memory = '2G';
    container(high).resources.limits.cpu = '1500m';
    expect(hits(high)).toEqual(['cpuLimitAtMost warning', 'memoryRequestsInRange danger']);
    const exact: any[] = compliantManifests();
    container(exact).resources.requests.memory = '1024Mi';
    container(exact).resources.limits.cpu = 1;
    expect(hits(exact)).toEqual([]);
  });
});
