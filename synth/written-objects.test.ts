import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { readManifestFolder } from 'k8s-checks';
import { writtenObjects } from './written-objects';

describe('writtenObjects', () => {
  let outdir: string;
  beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'written-objects-')); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  /** The objects of each file as read back from the YAML cdk8s wrote. */
  const readBack = () => new Map(readManifestFolder(outdir).map((f) => [path.basename(f.path), f.objects]));

  test('gives each file the objects read back from it, with undefined written as null', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'web', { namespace: 'ns' });
    new ApiObject(chart, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { yes: 'on', n: '0x10', empty: undefined as unknown as string } });
    new ApiObject(chart, 'list', { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'l', annotations: { a: '~' } }, spec: { list: ['a', undefined, 'null'] } });
    app.synth();
    const objects = writtenObjects(app, fs.readdirSync(outdir));
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
    app.synth();
    const objects = writtenObjects(app, fs.readdirSync(outdir));
    expect([...objects.keys()].sort()).toEqual(['0000-first.k8s.yaml', '0001-second.k8s.yaml']);
    expect(objects).toEqual(readBack());
  });

  test('places no file whose name it does not know, so that the caller reads it back', () => {
    const app = new App({ outdir });
    new ApiObject(new Chart(app, 'web'), 'a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    app.synth();
    fs.renameSync(path.join(outdir, 'web.k8s.yaml'), path.join(outdir, 'renamed.k8s.yaml'));
    expect(writtenObjects(app, fs.readdirSync(outdir)).size).toBe(0);
  });
});
