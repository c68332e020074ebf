import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError, parseManifestText, readManifestFolder, readManifestObjects } from './read-manifests';

let work: string;
beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'read-manifests-')); });
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('parseManifestText: a stream of manifests, as kubectl reads it', () => {
  test('documents in order, empty ones left out, a List gives its items', () => {
    const text = `${configMap('a')}---\n---\napiVersion: v1\nkind: List\nitems:\n- ${configMap('b').trimEnd().split('\n').join('\n  ')}\n`;
    expect(parseManifestText(text, 'out.yaml').map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  test('bad YAML names the source, the line and the column', () => {
    expect(() => parseManifestText(`${configMap('a')}data: {x: 1\n`, 'helm template output'))
      .toThrow(new InputError('helm template output: not valid YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } (6:1)'));
    expect(() => parseManifestText(`${configMap('a')}data: *none\n`, 'f.yaml')).toThrow(new InputError('f.yaml: not valid YAML or JSON: unidentified alias "none" (5:7)'));
  });

  test('a document, or an item of a List, that is no Kubernetes object is named', () => {
    expect(() => parseManifestText(`${configMap('a')}---\n- x\n`, 'f.yaml')).toThrow('f.yaml: document 2: not a Kubernetes object (a mapping with apiVersion and kind); found a list');
    expect(() => parseManifestText('apiVersion: v1\nkind: List\nitems:\n- {kind: ConfigMap}\n', 'f.yaml')).toThrow('f.yaml: item 1 of the List: not a Kubernetes object');
  });
});

describe('readManifestFolder: a folder of synthesized output', () => {
  test('its .yaml and .yml files, directly in it, in name order; the CLI\'s construct metadata and subfolders are no manifests', () => {
    const dir = path.join(work, 'dist');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'b.k8s.yaml'), `${configMap('b1')}---\n${configMap('b2')}`);
    fs.writeFileSync(path.join(dir, 'a.k8s.yml'), configMap('a'));
    fs.writeFileSync(path.join(dir, 'construct-metadata.json'), '{"version": "1.0.0", "resources": {}}');
    fs.writeFileSync(path.join(dir, '.synth-output'), '{}');
    fs.writeFileSync(path.join(dir, 'sub', 'c.yaml'), configMap('c'));
    expect(readManifestFolder(dir).map((f) => [path.basename(f.path), f.objects.map((o) => o.metadata.name)])).toEqual([['a.k8s.yml', ['a']], ['b.k8s.yaml', ['b1', 'b2']]]);
    expect(readManifestObjects(dir).map((o) => o.metadata.name)).toEqual(['a', 'b1', 'b2']);
  });

  test('a folder that is not there is an InputError naming it', () => {
    const missing = path.join(work, 'nothing');
    expect(() => readManifestFolder(missing)).toThrow(new InputError(`${missing}: no such file or folder; give manifest files (.yaml, .yml, .json), folders of them, or - for standard input`));
  });
});
