import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bashPattern, extractKubeLinterCases, readJq } from './kube-linter-cases';

/** Shell text written in a template literal, with \${ for the shell's own ${. */
const sh = (text: TemplateStringsArray): string => text.raw[0].replace(/\\\$/g, '$');

function extract(bats: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-linter-cases-'));
  try {
    fs.mkdirSync(path.join(root, 'e2etests'));
    fs.writeFileSync(path.join(root, 'e2etests', 'bats-tests.sh'), bats);
    return extractKubeLinterCases(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('reading kube-linter expectations from its bats tests', () => {
  test('values from the JSON report, the loop form, the exit status and globs', () => {
    const bats = sh`
@test "host-ipc" {
  tmp="tests/checks/host-ipc.yml"
  cmd="\${KUBE_LINTER_BIN} lint --include host-ipc --do-not-auto-add-defaults --format json \${tmp}"
  run \${cmd}
  [ "$status" -eq 1 ]

  message1=$(get_value_from "\${lines[0]}" '.Reports[0].Object.K8sObject.GroupVersionKind.Kind + ": " + .Reports[0].Diagnostic.Message')
  count=$(get_value_from "\${lines[0]}" '.Reports | length')

  [[ "\${message1}" == "Deployment: resource shares host's IPC namespace (via \"hostIPC\"=true)." ]]
  [[ "\${count}" == "2" ]]
}

@test "ports" {
  tmp="tests/checks/ports.yaml"
  cmd="\${KUBE_LINTER_BIN} lint --include invalid-target-ports --do-not-auto-add-defaults --format json \${tmp}"
  count=$(get_value_from "\${lines[0]}" '.Reports | length')
  actual_messages=()
  for ((i = 0; i < $((count)); i++)); do
    actual_message=$(get_value_from "\${lines[0]}" ".Reports[\${i}] | .Object.K8sObject.GroupVersionKind.Kind + \": \" + .Diagnostic.Message")
    actual_messages+=("\${actual_message}")
  done
  [[ "\${actual_messages[1]}" == "Service: "*" in rules" ]]
}

@test "flag-read-from-stdin" {
  echo "---" | \${KUBE_LINTER_BIN} lint -
}
`;
    const { cases, unread, commandLineTests } = extract(bats);
    expect(unread).toEqual([]);
    expect(commandLineTests.map((t) => t.name)).toEqual(['flag-read-from-stdin']);
    expect(cases.map((c) => [c.name, c.checks, path.basename(c.file), c.expectations.length])).toEqual([
      ['host-ipc', ['host-ipc'], 'host-ipc.yml', 3],
      ['ports', ['invalid-target-ports'], 'ports.yaml', 1],
    ]);
    const [status, message, count] = cases[0].expectations;
    expect(status.value).toBe('status');
    expect(message.pattern.test('Deployment: resource shares host\'s IPC namespace (via "hostIPC"=true).')).toBe(true);
    expect(message.pattern.test('Deployment: resource shares host\'s IPC namespace (via "hostIPC"=true)')).toBe(false);
    expect(count).toMatchObject({ value: 'count' });
    const glob = cases[1].expectations[0];
    expect(glob.value).toEqual([{ report: 1, field: 'kind' }, { text: ': ' }, { report: 1, field: 'message' }]);
    expect(glob.pattern.test('Service: wildcard "*" in rules')).toBe(true);
  });

  test('jq terms from several reports, and what is not read', () => {
    expect(readJq('.Reports[1].Object.K8sObject.GroupVersionKind.Kind + ": " + .Reports[2].Diagnostic.Message'))
      .toEqual([{ report: 1, field: 'kind' }, { text: ': ' }, { report: 2, field: 'message' }]);
    expect(readJq('.Reports[3] | .Object.K8sObject.Name')).toEqual([{ report: 3, field: 'name' }]);
    expect(() => readJq('.Reports[0].Diagnostic.Unknown')).toThrow(/is not a string or one of the report fields/);
    expect(bashPattern('"a.b"', '=~').test('xa.by')).toBe(true);
    expect(bashPattern('"a.b"', '==').test('axb')).toBe(false);
    const { unread } = extract(sh`
@test "odd" {
  tmp="tests/checks/x.yml"
  cmd="\${KUBE_LINTER_BIN} lint --include x --do-not-auto-add-defaults --format json \${tmp}"
  name=$(get_value_from "\${lines[0]}" '.Reports[0].Object.K8sObject.Name')
  [[ "\${name}" -ne "a" ]]
}
`);
    expect(unread).toEqual([expect.objectContaining({ source: 'e2etests/bats-tests.sh:2 odd', why: expect.stringMatching(/is not \[\[ "\$\{value\}" == <word> \]\]/) })]);
  });
});
