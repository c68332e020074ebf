// kube-score's own expectations, read from its `score/*_test.go`: every call of
//
//   testExpectedScore(t, "<file>.yaml", "<Check Name>", scorecard.Grade<X>)
//   testExpectedScoreWithConfig(t, []ks.NamedReader{testFile("<file>"), ...}, nil,
//       &config.RunConfiguration{<Field>: <value>, ...}, "<Check Name>", scorecard.Grade<X>)
//
// is one case: run the check on the files with that configuration, the check's grade must be X.
// testExpectedScore's own configuration is read from its definition in score_test.go. A file name
// may be built from the variable of an enclosing `for _, v := range []string{...}` loop, and
// EnabledOptionalTests from `<map>["<test-id>"] = struct{}{}` lines before the call. A call the
// extractor cannot read in full is returned as unread, with the reason, never dropped.

import * as fs from 'fs';
import * as path from 'path';
import { goCalls, goFunctions, goKeyedFields, goStringExpression, matchingBracket, splitTopLevel } from './go-source';
import { Unread } from './outcome';

/** kube-score's grades; 'Skipped' is Go's zero Grade (0), what a skipped test has. */
export type KubeScoreGrade = 'Critical' | 'Warning' | 'AlmostOK' | 'AllOK' | 'Skipped';

/** The fields of kube-score's config.RunConfiguration the cases set (Go's zero values when absent). */
export interface KubeScoreRunConfig {
  readonly kubernetesVersion?: { readonly major: number; readonly minor: number };
  readonly enabledOptionalTests: readonly string[];
  readonly useIgnoreChecksAnnotation: boolean;
  readonly useOptionalChecksAnnotation: boolean;
  readonly ignoreContainerCpuLimitRequirement: boolean;
  readonly ignoreContainerMemoryLimitRequirement: boolean;
  readonly minReplicasDeployment: number;
  readonly minReplicasHPA: number;
}

export interface KubeScoreCase {
  /** e.g. `score/apps_test.go:17 TestStatefulsetHasServiceName`. */
  readonly source: string;
  /** Paths of the input files. */
  readonly files: readonly string[];
  /** The check's name as kube-score registers it ("Container Resources"). */
  readonly checkName: string;
  /** Its id: the name lowercased with spaces as dashes, as kube-score derives it ("container-resources"). */
  readonly checkId: string;
  readonly grade: KubeScoreGrade;
  readonly config: KubeScoreRunConfig;
}

const EMPTY_CONFIG: KubeScoreRunConfig = {
  enabledOptionalTests: [], useIgnoreChecksAnnotation: false, useOptionalChecksAnnotation: false,
  ignoreContainerCpuLimitRequirement: false, ignoreContainerMemoryLimitRequirement: false, minReplicasDeployment: 0, minReplicasHPA: 0,
};

const BOOLEAN_FIELDS: Record<string, keyof KubeScoreRunConfig> = {
  UseIgnoreChecksAnnotation: 'useIgnoreChecksAnnotation',
  UseOptionalChecksAnnotation: 'useOptionalChecksAnnotation',
  IgnoreContainerCpuLimitRequirement: 'ignoreContainerCpuLimitRequirement',
  IgnoreContainerMemoryLimitRequirement: 'ignoreContainerMemoryLimitRequirement',
};
const NUMBER_FIELDS: Record<string, keyof KubeScoreRunConfig> = { MinReplicasDeployment: 'minReplicasDeployment', MinReplicasHPA: 'minReplicasHPA' };

/** kube-score's checks.machineFriendlyName: the id of a check name. */
export function kubeScoreCheckId(name: string): string {
  return name.toLowerCase().replace(/ /g, '-');
}

class NotRead extends Error {}

/** `&config.RunConfiguration{...}` (or `nil`) as a configuration; `maps` gives the keys set in each map variable. */
function runConfig(text: string, maps: (name: string) => string[] | undefined): KubeScoreRunConfig {
  if (text === 'nil') return EMPTY_CONFIG;
  const m = /^&config\.RunConfiguration\s*\{([\s\S]*)\}$/.exec(text);
  if (!m) throw new NotRead(`the run configuration ${JSON.stringify(text)} is not a &config.RunConfiguration{...} literal`);
  const fields = goKeyedFields(m[1]);
  if (!fields) throw new NotRead(`the run configuration has a part that is not "Field: value": ${JSON.stringify(m[1].trim())}`);
  const out: Record<string, unknown> = { ...EMPTY_CONFIG };
  for (const [field, value] of fields) {
    if (field === 'KubernetesVersion') {
      const v = /^config\.Semver\{\s*Major:\s*(\d+),\s*Minor:\s*(\d+),?\s*\}$/.exec(value);
      if (!v) throw new NotRead(`KubernetesVersion ${JSON.stringify(value)} is not a config.Semver{Major: N, Minor: N}`);
      out.kubernetesVersion = { major: Number(v[1]), minor: Number(v[2]) };
    } else if (field === 'EnabledOptionalTests') {
      const keys = maps(value);
      if (!keys) throw new NotRead(`EnabledOptionalTests ${JSON.stringify(value)} is not a map variable filled with <map>["<id>"] = struct{}{}`);
      out.enabledOptionalTests = keys;
    } else if (BOOLEAN_FIELDS[field]) {
      if (value !== 'true' && value !== 'false') throw new NotRead(`${field} ${JSON.stringify(value)} is not true or false`);
      out[BOOLEAN_FIELDS[field]] = value === 'true';
    } else if (NUMBER_FIELDS[field]) {
      if (!/^\d+$/.test(value)) throw new NotRead(`${field} ${JSON.stringify(value)} is not a number`);
      out[NUMBER_FIELDS[field]] = Number(value);
    } else {
      throw new NotRead(`the run configuration field ${field} is not one the extractor knows`);
    }
  }
  return out as unknown as KubeScoreRunConfig;
}

function grade(text: string): KubeScoreGrade {
  if (text === '0') return 'Skipped';
  const m = /^scorecard\.Grade(Critical|Warning|AlmostOK|AllOK)$/.exec(text);
  if (!m) throw new NotRead(`the grade ${JSON.stringify(text)} is not scorecard.Grade<Critical|Warning|AlmostOK|AllOK> or 0`);
  return m[1] as KubeScoreGrade;
}

function stringArg(text: string, what: string, vars: Record<string, string>): string {
  const value = goStringExpression(text, vars);
  if (value === undefined) throw new NotRead(`the ${what} ${JSON.stringify(text)} is not a string literal (or literals and loop variables joined by +)`);
  return value;
}

/** The loop variables in effect at `offset` of a function body: `for _, v := range []string{"a", "b"} {...}`. */
function loopBindings(body: string, offset: number): Array<Record<string, string>> {
  let bindings: Array<Record<string, string>> = [{}];
  const re = /for\s+_,\s*(\w+)\s*:=\s*range\s*\[\]string\s*\{/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const listOpen = m.index + m[0].length - 1;
    const listClose = matchingBracket(body, listOpen);
    const blockOpen = listClose < 0 ? -1 : body.indexOf('{', listClose);
    const blockClose = blockOpen < 0 ? -1 : matchingBracket(body, blockOpen);
    if (blockClose < 0 || offset < blockOpen || offset > blockClose) continue;
    const values = splitTopLevel(body.slice(listOpen + 1, listClose)).map((v) => goStringExpression(v));
    if (values.some((v) => v === undefined)) throw new NotRead(`the loop over ${JSON.stringify(body.slice(listOpen, listClose + 1))} has a value that is not a string literal`);
    const variable = m[1];
    bindings = bindings.flatMap((b) => values.map((v) => ({ ...b, [variable]: v as string })));
  }
  return bindings;
}

/** The keys a body sets in map variables before `offset`: `name["key"] = struct{}{}`. */
function mapKeys(body: string, offset: number): (name: string) => string[] | undefined {
  return (name) => {
    if (!/^\w+$/.test(name)) return undefined;
    const before = body.slice(0, offset);
    if (!new RegExp(`\\b${name}\\s*:=\\s*make\\(map\\[string\\]struct\\{\\}\\)`).test(before)) return undefined;
    const keys: string[] = [];
    const re = new RegExp(`\\b${name}\\[("(?:[^"\\\\]|\\\\.)*")\\]\\s*=\\s*struct\\{\\}\\{\\}`, 'g');
    for (let m = re.exec(before); m; m = re.exec(before)) keys.push(JSON.parse(m[1]) as string);
    return keys;
  };
}

export interface KubeScoreExtraction {
  readonly cases: KubeScoreCase[];
  readonly unread: Unread[];
  /** Tests that assert otherwise (wasSkipped, getSummaries, testScore directly): no grade of a check, so no case. */
  readonly otherTests: string[];
  /** The *_test.go files read. */
  readonly files: readonly string[];
}

/**
 * testExpectedScore's own configuration, read from its definition in score_test.go (it passes a
 * &config.RunConfiguration{...} to testExpectedScoreWithConfig); a string saying why when it cannot be read.
 */
export function simpleCallConfig(helperSource: string): KubeScoreRunConfig | string {
  const helper = goFunctions(helperSource).find((f) => f.name === 'testExpectedScore');
  if (!helper) return 'score_test.go has no func testExpectedScore';
  const inner = goCalls(helper.body, ['testExpectedScoreWithConfig'])[0];
  try {
    if (!inner || inner.args.length !== 6) throw new NotRead('testExpectedScore does not call testExpectedScoreWithConfig with 6 arguments');
    return runConfig(inner.args[3], () => undefined);
  } catch (e) {
    if (!(e instanceof NotRead)) throw e;
    return `testExpectedScore's own configuration could not be read: ${e.message}`;
  }
}

/** The cases of one *_test.go file (`file` its name, `testdata` the folder of the inputs). */
export function kubeScoreCasesOf(file: string, src: string, testdata: string, simpleConfig: KubeScoreRunConfig | string): { cases: KubeScoreCase[]; unread: Unread[]; otherTests: string[] } {
  const cases: KubeScoreCase[] = [];
  const unread: Unread[] = [];
  const otherTests: string[] = [];
  for (const fn of goFunctions(src)) {
    if (!fn.name.startsWith('Test')) continue;
    const calls = goCalls(fn.body, ['testExpectedScore', 'testExpectedScoreWithConfig']);
    if (calls.length === 0) otherTests.push(`score/${file}:${fn.line} ${fn.name}`);
    for (const call of calls) {
      const line = fn.line + fn.body.slice(0, call.at).split('\n').length - 1;
      const where = `score/${file}:${line} ${fn.name}`;
      const text = `${call.callee}(${call.args.join(', ')})`;
      try {
        for (const vars of loopBindings(fn.body, call.at)) {
          const source = Object.keys(vars).length ? `${where} (${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(', ')})` : where;
          let inputs: string[];
          let config: KubeScoreRunConfig;
          let rest: string[];
          if (call.callee === 'testExpectedScore') {
            if (call.args.length !== 4) throw new NotRead(`testExpectedScore takes 4 arguments, this call has ${call.args.length}`);
            if (typeof simpleConfig === 'string') throw new NotRead(simpleConfig);
            inputs = [stringArg(call.args[1], 'file name', vars)];
            config = simpleConfig;
            rest = call.args.slice(2);
          } else {
            if (call.args.length !== 6) throw new NotRead(`testExpectedScoreWithConfig takes 6 arguments, this call has ${call.args.length}`);
            const list = /^\[\]ks\.NamedReader\s*\{([\s\S]*)\}$/.exec(call.args[1]);
            if (!list) throw new NotRead(`the files ${JSON.stringify(call.args[1])} are not a []ks.NamedReader{testFile(...), ...} literal`);
            inputs = splitTopLevel(list[1]).map((item) => {
              const m = /^testFile\(([\s\S]*)\)$/.exec(item);
              if (!m) throw new NotRead(`the file ${JSON.stringify(item)} is not testFile("<name>")`);
              return stringArg(m[1], 'file name', vars);
            });
            if (call.args[2] !== 'nil') throw new NotRead(`the checks configuration ${JSON.stringify(call.args[2])} is not nil`);
            config = runConfig(call.args[3], mapKeys(fn.body, call.at));
            rest = call.args.slice(4);
          }
          const checkName = stringArg(rest[0], 'check name', vars);
          cases.push({
            source, files: inputs.map((f) => path.join(testdata, f)), checkName, checkId: kubeScoreCheckId(checkName), grade: grade(rest[1]), config,
          });
        }
      } catch (e) {
        if (!(e instanceof NotRead)) throw e;
        unread.push({ tool: 'kube-score', source: where, text: text.replace(/\s+/g, ' '), why: e.message });
      }
    }
  }
  return { cases, unread, otherTests };
}

/** Every case of `<root>/score/*_test.go` (`root` is kube-score's folder in the conformance cases). */
export function extractKubeScoreCases(root: string): KubeScoreExtraction {
  const scoreDir = path.join(root, 'score');
  const files = fs.readdirSync(scoreDir).filter((f) => f.endsWith('_test.go')).sort();
  const simpleConfig = simpleCallConfig(fs.readFileSync(path.join(scoreDir, 'score_test.go'), 'utf8'));
  const out: KubeScoreExtraction = { cases: [], unread: [], otherTests: [], files: files.map((f) => path.join(scoreDir, f)) };
  for (const file of files) {
    const { cases, unread, otherTests } = kubeScoreCasesOf(file, fs.readFileSync(path.join(scoreDir, file), 'utf8'), path.join(scoreDir, 'testdata'), simpleConfig);
    out.cases.push(...cases);
    out.unread.push(...unread);
    out.otherTests.push(...otherTests);
  }
  return out;
}
