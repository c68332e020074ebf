import * as path from 'path';
import * as fs from 'fs';
import * as YAML from 'yaml';
import { PolicyValidation } from 'k8s-checks';
import { REASON_ANNOTATION } from '../lib/policy-exception';
import { KeepLastGoodOutput } from './keep-last-good';
import { loadValidations } from './validations';

const CONFIG = path.join(__dirname, '..', 'cdk8s.yaml');

describe('the validation plugins of cdk8s.yaml', () => {
  test('load as the cdk8s CLI loads them: the package\'s SchemaValidation and PolicyValidation, without the CLI\'s keeper of the last good output', () => {
    expect(loadValidations(CONFIG).map((p) => p.constructor.name)).toEqual(['SchemaValidation', 'PolicyValidation']);
  });

  test('the keeper of the last good output comes first, so that its hook is in place before any check runs', () => {
    const entries = YAML.parse(fs.readFileSync(CONFIG, 'utf-8')).validations as Array<{ package: string; class: string }>;
    expect(entries[0]).toMatchObject({ package: './synth/cdk8s-plugin.js', class: KeepLastGoodOutput.name });
    expect(require(path.join(__dirname, 'cdk8s-plugin.js')).KeepLastGoodOutput).toBe(KeepLastGoodOutput);
  });

  test('PolicyValidation reads exemption reasons from the annotation the app writes them into', () => {
    const entries = YAML.parse(fs.readFileSync(CONFIG, 'utf-8')).validations as Array<{ class: string; properties?: Record<string, unknown> }>;
    const policy = entries.find((e) => e.class === PolicyValidation.name);
    expect(policy?.properties?.reasonAnnotation).toBe(REASON_ANNOTATION);
  });
});
