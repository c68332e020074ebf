// kube-linter's own expectations, read from its `e2etests/bats-tests.sh`. Each `@test` block that
// runs `kube-linter lint --include <check> ... ${tmp}` on `tmp="tests/checks/<file>"` is one case;
// its expectations are the bats assertions on values taken from the JSON report with jq:
//
//   message1=$(get_value_from "${lines[0]}" '.Reports[0].Object.K8sObject.GroupVersionKind.Kind + ": " + .Reports[0].Diagnostic.Message')
//   count=$(get_value_from "${lines[0]}" '.Reports | length')
//   [[ "${message1}" == "Deployment: ..." ]]        [[ "${count}" == "2" ]]
//
// the exit status (`[ "$status" -eq 1 ]`: 1 when kube-linter reports something), and the loop
// form that fills `actual_messages[i]` from `.Reports[${i}] | <expression>`. A jq
// expression is read as terms joined by `+`: string literals and the report fields
// `.Object.K8sObject.GroupVersionKind.Kind`, `.Object.K8sObject.Name`,
// `.Object.K8sObject.Namespace`, `.Diagnostic.Message`, `.Check` of `.Reports[N]`. Not a bash
// or jq interpreter: a block it cannot read in full is returned as unread, with the reason.

import * as fs from 'fs';
import * as path from 'path';
import { Unread } from './outcome';

/** A field of one report of kube-linter's JSON output. */
export type ReportField = 'kind' | 'name' | 'namespace' | 'message' | 'check';

/** A jq expression over the reports: literal text and fields of reports (by index), concatenated. */
export type ReportTemplate = ReadonlyArray<{ readonly text: string } | { readonly report: number; readonly field: ReportField }>;

export interface KubeLinterExpectation {
  /** The value: `.Reports | length`, the exit status (1 when there are reports, else 0), or a template over reports. */
  readonly value: 'count' | 'status' | ReportTemplate;
  /**
   * The right-hand side of `[[ "${x}" == <word> ]]` as bash matches it: quoted parts are
   * literal, an unquoted `*` or `?` is a glob (=~ with a quoted word: contains it).
   */
  readonly pattern: RegExp;
  /** The assertion as written, for messages. */
  readonly text: string;
}

export interface KubeLinterCase {
  /** e.g. `e2etests/bats-tests.sh:178 dangling-service`. */
  readonly source: string;
  readonly name: string;
  /** The input file. */
  readonly file: string;
  /** The checks of `--include` (empty with `--config`). */
  readonly checks: readonly string[];
  /** The `--config` file, when the test runs checks defined there. */
  readonly config?: string;
  readonly expectations: readonly KubeLinterExpectation[];
}

export interface KubeLinterExtraction {
  readonly cases: KubeLinterCase[];
  /** @test blocks that test the command line rather than a check (no `lint --include`/`--config` on a file of tests/checks). */
  readonly commandLineTests: Array<{ source: string; name: string }>;
  readonly unread: Unread[];
}

class NotRead extends Error {}

const FIELDS: Record<string, ReportField> = {
  '.Object.K8sObject.GroupVersionKind.Kind': 'kind',
  '.Object.K8sObject.Name': 'name',
  '.Object.K8sObject.Namespace': 'namespace',
  '.Diagnostic.Message': 'message',
  '.Check': 'check',
};

/** The value of a bash double-quoted string's body: a backslash escapes `"`, `\\`, `` ` `` and `$`, and stays before anything else. */
function bashDoubleQuoted(body: string): string {
  return body.replace(/\\([\\"`$])/g, '$1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A bash word (the right-hand side of [[ ]]) as the RegExp it matches with `==` (whole value,
 * unquoted `*` and `?` are globs) or `=~` (a quoted word is a literal, found anywhere).
 */
export function bashPattern(word: string, op: '==' | '=~'): RegExp {
  let re = '';
  for (let i = 0; i < word.length;) {
    if (word[i] === '"') {
      let j = i + 1;
      while (j < word.length && word[j] !== '"') j += word[j] === '\\' ? 2 : 1;
      if (j >= word.length) throw new NotRead(`the word ${word} has an unterminated quote`);
      re += escapeRegExp(bashDoubleQuoted(word.slice(i + 1, j)));
      i = j + 1;
    } else if (word[i] === "'") {
      const j = word.indexOf("'", i + 1);
      if (j < 0) throw new NotRead(`the word ${word} has an unterminated quote`);
      re += escapeRegExp(word.slice(i + 1, j));
      i = j + 1;
    } else if (op === '=~') {
      throw new NotRead(`the =~ pattern ${word} is not a quoted literal`);
    } else if (word[i] === '\\') {
      re += escapeRegExp(word[i + 1] ?? '');
      i += 2;
    } else {
      re += word[i] === '*' ? '[\\s\\S]*' : word[i] === '?' ? '[\\s\\S]' : escapeRegExp(word[i]);
      i++;
    }
  }
  return new RegExp(op === '==' ? `^${re}$` : re);
}

/** Splits a jq expression at its top-level `+` (outside string literals). */
function jqTerms(expr: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '"') {
      for (i++; i < expr.length && expr[i] !== '"'; i++) if (expr[i] === '\\') i++;
    } else if (expr[i] === '+') {
      terms.push(expr.slice(start, i).trim());
      start = i + 1;
    }
  }
  terms.push(expr.slice(start).trim());
  return terms;
}

/**
 * A jq expression as the value it takes from the reports. `.Reports[N] | <terms>` and
 * `.Reports[${i}] | <terms>` (with `index` the loop's i) read their terms from that report.
 */
export function readJq(expr: string, index?: number): 'count' | ReportTemplate {
  const e = expr.trim();
  if (/^\.Reports\s*\|\s*length$/.test(e)) return 'count';
  let piped: number | undefined;
  let body = e;
  const pipe = /^\.Reports\[(\d+|\$\{i\})\]\s*\|\s*([\s\S]+)$/.exec(e);
  if (pipe) {
    if (pipe[1] === '${i}' && index === undefined) throw new NotRead(`the jq expression ${JSON.stringify(e)} reads .Reports[\${i}] outside a loop over i`);
    piped = pipe[1] === '${i}' ? index : Number(pipe[1]);
    body = pipe[2];
  }
  const template: Array<{ text: string } | { report: number; field: ReportField }> = [];
  for (const term of jqTerms(body)) {
    if (term.startsWith('"')) {
      try {
        template.push({ text: JSON.parse(term) as string });
      } catch {
        throw new NotRead(`the jq string ${term} is not a JSON string`);
      }
      continue;
    }
    const m = /^(?:\.Reports\[(\d+)\])?(\.[\w.]+)$/.exec(term);
    const field = m ? FIELDS[m[2]] : undefined;
    if (!m || !field) throw new NotRead(`the jq term ${JSON.stringify(term)} is not a string or one of the report fields ${Object.keys(FIELDS).join(', ')}`);
    const report = m[1] !== undefined && piped === undefined ? Number(m[1]) : m[1] === undefined ? piped : undefined;
    if (report === undefined) throw new NotRead(`the jq term ${JSON.stringify(term)} in ${JSON.stringify(e)} names no report, or two`);
    template.push({ report, field });
  }
  if (!template.some((t) => 'report' in t)) throw new NotRead(`the jq expression ${JSON.stringify(e)} reads no report`);
  return template;
}

interface Block { name: string; body: string; line: number }

function blocks(src: string): Block[] {
  const out: Block[] = [];
  const re = /^@test\s+"((?:[^"\\]|\\.)*)"\s*\{\s*$/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const start = m.index + m[0].length;
    const end = src.indexOf('\n}', start);
    out.push({ name: m[1], body: src.slice(start, end < 0 ? src.length : end), line: src.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** The value last assigned to a shell variable (`name="..."`) in a block. */
function assigned(body: string, name: string): string | undefined {
  const re = new RegExp(`^\\s*${name}="((?:[^"\\\\]|\\\\.)*)"\\s*$`, 'gm');
  let value: string | undefined;
  for (let m = re.exec(body); m; m = re.exec(body)) value = bashDoubleQuoted(m[1]);
  return value;
}

function readBlock(block: Block, root: string): KubeLinterCase | 'command-line' {
  const cmd = assigned(block.body, 'cmd');
  const tmp = assigned(block.body, 'tmp');
  if (cmd === undefined || tmp === undefined || !/\blint\b/.test(cmd) || !cmd.includes('${tmp}') || !tmp.startsWith('tests/checks/')
    || !/--include|--config/.test(cmd)) return 'command-line';
  const words = cmd.split(/\s+/);
  const checks: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '--include') checks.push(...words[++i].split(','));
    else if (words[i] === '--config') config = words[++i];
    else if (words[i] === '--format' && words[i + 1] !== 'json') throw new NotRead(`${JSON.stringify(cmd)} does not ask for JSON`);
    else if (words[i].startsWith('--') && !['--do-not-auto-add-defaults', '--format'].includes(words[i])) throw new NotRead(`the option ${words[i]} of ${JSON.stringify(cmd)} is not one the extractor knows`);
  }
  if (!words.includes('--do-not-auto-add-defaults')) throw new NotRead(`${JSON.stringify(cmd)} runs the default checks too`);

  // The loop form: `for ((i = 0; i < $((count)); i++)); do <v>=$(get_value_from ... "<jq>"); <array>+=("${<v>}"); done`.
  const arrays = new Map<string, string>();
  const loopRe = /for \(\(i = 0; i < \$\(\(count\)\); i\+\+\)\); do\s*\n\s*(\w+)=\$\(get_value_from\s+"\$\{lines\[0\]\}"\s+"((?:[^"\\]|\\.)*)"\)\s*\n\s*(\w+)\+=\("\$\{\1\}"\)\s*\n\s*done/g;
  let body = block.body;
  for (let m = loopRe.exec(block.body); m; m = loopRe.exec(block.body)) {
    arrays.set(m[3], bashDoubleQuoted(m[2]));
    body = body.replace(m[0], '');
  }
  // Values taken from the report: `name=$(get_value_from "${lines[0]}" '<jq>')` (or "<jq>").
  const values = new Map<string, 'count' | ReportTemplate>();
  const assignRe = /^\s*(\w+)=\$\(get_value_from\s+"\$\{lines\[0\]\}"\s+(?:'([^']*)'|"((?:[^"\\]|\\.)*)")\)\s*$/gm;
  for (let m = assignRe.exec(body); m; m = assignRe.exec(body)) values.set(m[1], readJq(m[2] ?? bashDoubleQuoted(m[3])));

  const expectations: KubeLinterExpectation[] = [];
  const lines = body.split('\n').filter((l) => /^\s*\[/.test(l));
  for (const line of lines) {
    // The exit status: kube-linter exits 1 when it reports something, 0 when not.
    const status = /^\s*\[\[?\s*"\$\{?status\}?"\s+-eq\s+(\d+)\s*\]\]?\s*$/.exec(line);
    if (status) {
      expectations.push({ value: 'status', pattern: new RegExp(`^${status[1]}$`), text: line.trim() });
      continue;
    }
    const m = /^\s*\[\[\s*"\$\{(\w+)(?:\[(\d+)\])?\}"\s*(==|=~)\s*(.+?)\s*\]\]\s*$/.exec(line);
    if (!m) throw new NotRead(`the assertion ${JSON.stringify(line.trim())} is not [[ "\${value}" == <word> ]], =~ or a test of the exit status`);
    const [, variable, index, op, word] = m;
    let value: 'count' | ReportTemplate | undefined;
    if (index !== undefined) {
      const jq = arrays.get(variable);
      if (jq === undefined) throw new NotRead(`${variable}[${index}] is not filled by a loop the extractor knows`);
      value = readJq(jq, Number(index));
    } else {
      value = values.get(variable);
    }
    if (!value) throw new NotRead(`the assertion ${JSON.stringify(line.trim())} tests \${${variable}}, which is not taken from the report`);
    expectations.push({ value, pattern: bashPattern(word, op as '==' | '=~'), text: line.trim() });
  }
  if (expectations.length === 0) throw new NotRead('it has no assertion on the report');
  return {
    source: `e2etests/bats-tests.sh:${block.line} ${block.name}`,
    name: block.name,
    file: path.join(root, tmp),
    checks,
    ...(config ? { config } : {}),
    expectations,
  };
}

/** Every case of `<root>/e2etests/bats-tests.sh` (`root` is kube-linter's folder in the conformance cases). */
export function extractKubeLinterCases(root: string): KubeLinterExtraction {
  const src = fs.readFileSync(path.join(root, 'e2etests', 'bats-tests.sh'), 'utf8');
  const out: KubeLinterExtraction = { cases: [], commandLineTests: [], unread: [] };
  for (const block of blocks(src)) {
    const source = `e2etests/bats-tests.sh:${block.line} ${block.name}`;
    try {
      const read = readBlock(block, root);
      if (read === 'command-line') out.commandLineTests.push({ source, name: block.name });
      else out.cases.push(read);
    } catch (e) {
      if (!(e instanceof NotRead)) throw e;
      out.unread.push({ tool: 'kube-linter', source, text: `@test "${block.name}"`, why: e.message });
    }
  }
  return out;
}
