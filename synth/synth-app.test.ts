import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { readManifestFolder } from 'k8s-checks';
import { sameWrittenText, synthApp } from './synth-app';

describe('synthApp', () => {
  let outdir: string;
  beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-app-')); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  /** The objects of each file as read back from the YAML written. */
  const readBack = () => new Map(readManifestFolder(outdir).map((f) => [path.basename(f.path), f.objects]));

  test('gives each file the objects read back from it, with undefined written as null', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'web', { namespace: 'ns' });
    new ApiObject(chart, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { yes: 'on', n: '0x10' } });
    new ApiObject(chart, 'list', { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'l', annotations: { a: '~' } }, spec: { list: ['a', undefined, 'null'] } });
    const objects = synthApp(app);
    expect([...objects.keys()]).toEqual(['web.k8s.yaml']);
    expect(objects).toEqual(readBack());
    expect(objects.get('web.k8s.yaml')![1].spec).toEqual({ list: ['a', null, 'null'] });
  });

  test('follows cdk8s numbering the files when one chart depends on another', () => {
    const app = new App({ outdir });
    const first = new Chart(app, 'first');
    const second = new Chart(app, 'second');
    new ApiObject(first, 'a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    new ApiObject(second, 'b', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
    second.addDependency(first);
    const objects = synthApp(app);
    expect([...objects.keys()].sort()).toEqual(['0000-first.k8s.yaml', '0001-second.k8s.yaml']);
    expect(objects).toEqual(readBack());
  });

  test('leaves cdk8s writing files its own way afterwards, also when the synth threw', () => {
    const save = Yaml.save;
    const app = new App({ outdir });
    new ApiObject(new Chart(app, 'web'), 'a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    synthApp(app);
    expect(Yaml.save).toBe(save);
    const broken = new App({ outdir });
    new Chart(broken, 'bad').node.addValidation({ validate: () => ['broken on purpose'] });
    expect(() => synthApp(broken)).toThrow(/broken on purpose/);
    expect(Yaml.save).toBe(save);
  });

  test('tells two objects apart by the YAML they were written as, and knows nothing of any other object', () => {
    const build = (value: string) => {
      const app = new App({ outdir });
      const chart = new Chart(app, 'web');
      new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { v: 'same' } });
      new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { v: value } });
      return synthApp(app).get('web.k8s.yaml')!;
    };
    const [a1, b1] = build('1');
    const [a2, b2] = build('2');
    const [, b3] = build('1');
    expect(sameWrittenText(a1, a2)).toBe(true);
    expect(sameWrittenText(b1, b2)).toBe(false);
    expect(sameWrittenText(b1, b3)).toBe(true);
    expect(sameWrittenText(a1, { ...a1 })).toBeUndefined();
  });
});
