import * as path from 'path';
import * as fs from 'fs';
import * as YAML from 'yaml';
import { PolicyValidation } from 'k8s-checks';
import { REASON_ANNOTATION } from '../lib/policy-exception';
import * as os from 'os';
import { RemoveRefusedOutput } from './remove-refused-output';
import { loadValidations } from './validations';

const CONFIG = path.join(__dirname, '..', 'cdk8s.yaml');

describe('the validation plugins of cdk8s.yaml', () => {
  test('load as the cdk8s CLI loads them: the package\'s SchemaValidation and PolicyValidation, without what removes refused output under the CLI', () => {
    expect(loadValidations(CONFIG).map((p) => p.constructor.name)).toEqual(['SchemaValidation', 'PolicyValidation']);
  });

  test('what removes refused output comes first, so that its hook is in place before any check runs', () => {
    const entries = YAML.parse(fs.readFileSync(CONFIG, 'utf-8')).validations as Array<{ package: string; class: string }>;
    expect(entries[0]).toMatchObject({ package: './synth/cdk8s-plugin.js', class: RemoveRefusedOutput.name });
    expect(require(path.join(__dirname, 'cdk8s-plugin.js')).RemoveRefusedOutput).toBe(RemoveRefusedOutput);
  });

  describe('a cdk8s.yaml with a mistake in its validations', () => {
    let work: string;
    beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'validations-')); });
    afterEach(() => fs.rmSync(work, { recursive: true, force: true }));
    /** The project's cdk8s.yaml with its validations changed, beside the project (its packages resolve). */
    const configWith = (change: (entries: Array<Record<string, unknown>>) => void) => {
      const config = YAML.parse(fs.readFileSync(CONFIG, 'utf-8'));
      change(config.validations);
      for (const e of config.validations) {
        e.package = path.resolve(path.dirname(CONFIG), e.package);
        if (e.properties?.crds) e.properties.crds = e.properties.crds.map((c: string) => path.resolve(path.dirname(CONFIG), c));
      }
      const file = path.join(work, 'cdk8s.yaml');
      fs.writeFileSync(file, YAML.stringify(config));
      return file;
    };

    test('a misspelled class is named, with the closest class the package exports', () => {
      const file = configWith((e) => { e[1].class = 'SchemaValidaton'; });
      expect(() => loadValidations(file)).toThrow(`${file}: validations[1]: package "${path.resolve(path.dirname(CONFIG), 'packages/k8s-checks')}" exports no class "SchemaValidaton"; did you mean "SchemaValidation"? fix the class: in cdk8s.yaml`);
      const own = configWith((e) => { e[0].class = 'RemoveRefusedOutpt'; });
      expect(() => loadValidations(own)).toThrow('exports no class "RemoveRefusedOutpt"; did you mean "RemoveRefusedOutput"?');
    });

    test('without RemoveRefusedOutput first, the config is refused, naming the entry it needs', () => {
      const file = configWith((e) => { e.shift(); });
      expect(() => loadValidations(file)).toThrow(`${file}: the first entry of validations must be { package: ./synth/cdk8s-plugin.js, version: 1.0.0, class: RemoveRefusedOutput }`);
    });
  });

  test('PolicyValidation reads exemption reasons from the annotation the app writes them into', () => {
    const entries = YAML.parse(fs.readFileSync(CONFIG, 'utf-8')).validations as Array<{ class: string; properties?: Record<string, unknown> }>;
    const policy = entries.find((e) => e.class === PolicyValidation.name);
    expect(policy?.properties?.reasonAnnotation).toBe(REASON_ANNOTATION);
  });
});
