import { renderGoTemplate, TemplateError } from './go-template';

const data = {
  metadata: { name: 'web', labels: { b: '2', a: '1' }, annotations: null },
  spec: { replicas: 2, ratio: 2.5, enabled: false, list: ['x', 'y'] },
  Polaris: { PodSpec: { automountServiceAccountToken: false } },
};
const r = (t: string): string => renderGoTemplate(t, data);

describe('Go text/template subset', () => {
  test('fields, missing keys and nil', () => {
    expect(r('{{ .metadata.name }}')).toBe('web');
    expect(r('{{ .metadata.missing }}')).toBe('<no value>');
    expect(r('{{ .metadata.missing.deeper }}')).toBe('<no value>');
    expect(r('{{ .metadata.annotations }}')).toBe('<nil>');
    expect(r('{{ .spec.replicas }}/{{ .spec.ratio }}/{{ .spec.enabled }}')).toBe('2/2.5/false');
    expect(r('{{ .metadata.labels }}|{{ .spec.list }}')).toBe('map[a:1 b:2]|[x y]');
    expect(r('{{ . | len }}')).toBe('3');
  });

  test('field access on a scalar is an error, as in Go', () => {
    expect(() => r('{{ .metadata.name.first }}')).toThrow(TemplateError);
  });

  test('if / else if / else, and truthiness', () => {
    expect(r('{{ if .spec.replicas }}yes{{ else }}no{{ end }}')).toBe('yes');
    expect(r('{{ if .spec.enabled }}a{{ else if .spec.list }}b{{ else }}c{{ end }}')).toBe('b');
    expect(r('{{ if .nothing }}a{{ else }}b{{ end }}')).toBe('b');
  });

  test('not / eq / ne / and / or with missing values (Go 1.18+ semantics)', () => {
    expect(r('{{ not .nothing }}')).toBe('true');
    expect(r('{{ eq .nothing false }}')).toBe('false');
    expect(r('{{ ne .nothing "x" }}')).toBe('true');
    expect(r('{{ eq .Polaris.PodSpec.automountServiceAccountToken false }}')).toBe('true');
    expect(r('{{ if not (eq .Polaris.PodSpec.automountServiceAccountToken false) }}mounted{{ end }}')).toBe('');
    expect(r('{{ eq .metadata.name "api" "web" }}')).toBe('true');
    expect(r('{{ or .nothing "fallback" }}')).toBe('fallback');
    expect(r('{{ and 1 0 2 }}')).toBe('0');
    expect(() => r('{{ eq .metadata.name 1 }}')).toThrow(/incompatible types/);
  });

  test('variables: declaration, assignment inside a block, scoping', () => {
    expect(r('{{ $x := .metadata.name }}{{ $x }}')).toBe('web');
    expect(r('{{ $found := false }}{{ if .spec.list }}{{ $found = true }}{{ end }}{{ $found }}')).toBe('true');
    expect(() => r('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}')).toThrow(/undefined variable/);
    expect(r('{{ $t := .Polaris.PodSpec.securityContext.seccompProfile.type }}{{ if or (not $t) (eq $t "Unconfined") }}unset{{ end }}')).toBe('unset');
  });

  test('range over maps (sorted keys), arrays, nothing; and $', () => {
    expect(r('{{ range $k, $v := .metadata.labels }}{{ $k }}={{ $v }};{{ end }}')).toBe('a=1;b=2;');
    expect(r('{{ range $i, $v := .spec.list }}{{ $i }}{{ $v }}{{ end }}')).toBe('0x1y');
    expect(r('{{ range .spec.list }}[{{ . }}|{{ $.metadata.name }}]{{ end }}')).toBe('[x|web][y|web]');
    expect(r('{{ range .nothing }}x{{ else }}empty{{ end }}')).toBe('empty');
  });

  test('trim markers and comments', () => {
    expect(r('a  {{- .metadata.name -}}  b')).toBe('awebb');
    expect(r('a {{/* a comment\nover lines */}}b')).toBe('a b');
    expect(r('a \n{{- /* trimmed */ -}}\n b')).toBe('ab');
  });

  test('functions: index, print, printf, hasPrefix, hasSuffix, len', () => {
    expect(r('{{ index .metadata.labels "a" }}')).toBe('1');
    expect(r('{{ index .metadata.labels "zz" }}')).toBe('<nil>');
    expect(r('{{ index . "metadata" "labels" "b" }}')).toBe('2');
    expect(r('{{ index .spec.list 1 }}')).toBe('y');
    expect(() => r('{{ index .nothing "a" }}')).toThrow(/untyped nil/);
    expect(r('{{ print "container.apparmor/" .metadata.name }}')).toBe('container.apparmor/web');
    expect(r('{{ print 1 2 "a" 3 }}')).toBe('1 2a3');
    expect(r('{{ printf "%s-%v" .metadata.name .spec.replicas }}')).toBe('web-2');
    expect(r('{{ hasPrefix .metadata.name "we" }} {{ hasSuffix .metadata.name "x" }}')).toBe('true false');
    expect(() => r('{{ hasPrefix .nothing "x" }}')).toThrow(/expected string/);
    expect(r('{{ len .spec.list }}')).toBe('2');
  });

  test('parenthesised pipelines and pipes', () => {
    expect(r('{{ (index .metadata.labels "a") }}')).toBe('1');
    expect(r('{{ .metadata.name | printf "%s!" }}')).toBe('web!');
    expect(r('{{ if and (ne .metadata.name "x") (not (hasPrefix .metadata.name "system:")) }}ok{{ end }}')).toBe('ok');
  });

  test('unsupported or malformed templates fail loudly', () => {
    expect(() => r('{{ if true }}x')).toThrow(/missing \{\{end\}\}/);
    expect(() => r('{{ nosuchfunc 1 }}')).toThrow(/not defined/);
    expect(() => r('{{ template "x" }}')).toThrow(/not supported/);
  });
});
