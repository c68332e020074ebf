import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { parseManifestText, readManifestFolder } from 'k8s-checks';
import { targets } from '../../app';
import { chartName, escapeTemplates } from '../../tools/helm/chart';
import { freePort } from '../support/free-port';

// `npm run helm`: charts that helm 4 (from the npm layer package) lints and renders back to
// exactly the synthesized objects, and a chart repository served by real nginx on 127.0.0.1
// that `helm repo add` and `helm template` use, as they would use ChartMuseum.
const ROOT = path.join(__dirname, '..', '..');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')).version as string;
// A chart per target, or per cluster of a target on several clusters (prod: prod-eu, prod-us).
const CHARTS = targets.flatMap((t) => (t.clusters.length > 1 ? t.clusters.map((c) => ({ target: t.name, cluster: c.name as string | undefined })) : [{ target: t.name, cluster: undefined }]))
  .map((c) => ({ ...c, name: chartName(c.target, c.cluster) }));
jest.setTimeout(120000);

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf-8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('Helm charts and chart repository', () => {
  let work: string;
  let helm: string;
  let nginx: ChildProcess | undefined;
  const helmEnv = () => ({ ...process.env, HELM_CONFIG_HOME: path.join(work, 'helm', 'config'), HELM_CACHE_HOME: path.join(work, 'helm', 'cache'), HELM_DATA_HOME: path.join(work, 'helm', 'data') });
  const run = (...args: string[]) => execFileSync(helm, args, { encoding: 'utf-8', env: helmEnv(), stdio: 'pipe' });
  const objects = (yaml: string) => parseManifestText(yaml, 'helm template output')
    .sort((a: any, b: any) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
  const synthesized = (chart: string) => objects(readManifestFolder(path.join(work, 'dist', chart))
    .map((f) => f.objects.map((m) => YAML.stringify(m)).join('---\n')).join('---\n'));

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-test-'));
    helm = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'helm');
    // A fixed image, so the charts do not depend on docker/image.env.
    const env = { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' };
    const tool = (args: string[]) => execFileSync('node', ['--import', 'tsx', ...args], { cwd: ROOT, encoding: 'utf-8', env });
    for (const c of CHARTS) tool(['main.ts', '--target', c.target, ...(c.cluster ? ['--cluster', c.cluster] : []), '--outdir', path.join(work, 'dist', c.name)]);
    tool(['tools/helm/cli.ts', '--out', path.join(work, 'charts'), '--repo', path.join(work, 'repo')]);
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  test.each(CHARTS.map((c) => c.name))('%s: helm lint passes and helm template gives back the synthesized objects', (name) => {
    const chart = path.join(work, 'charts', name);
    expect(run('lint', '--strict', chart)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    const chartYaml = YAML.parse(fs.readFileSync(path.join(chart, 'Chart.yaml'), 'utf-8'));
    expect(chartYaml).toMatchObject({ apiVersion: 'v2', name, version: VERSION, appVersion: VERSION });
    expect(objects(run('template', 'release', chart))).toEqual(synthesized(name));
  });

  test('template braces in a manifest survive rendering', () => {
    const dir = path.join(work, 'braces');
    fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: braces\nversion: 0.1.0\n');
    fs.writeFileSync(path.join(dir, 'templates', 'cm.yaml'), escapeTemplates('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  t: "{{ .Values.nope }}"\n'));
    expect(objects(run('template', 'r', dir))[0].data.t).toBe('{{ .Values.nope }}');
  });

  test('the chart repository round trip through nginx on 127.0.0.1', async () => {
    const repo = path.join(work, 'repo');
    expect(fs.readdirSync(repo).sort()).toEqual(['index.yaml', ...CHARTS.map((c) => `${c.name}-${VERSION}.tgz`)].sort());
    const port = await freePort();
    const conf = path.join(work, 'nginx.conf');
    fs.mkdirSync(path.join(work, 'nginx'), { recursive: true });
    fs.writeFileSync(conf, `pid ${work}/nginx/nginx.pid;
error_log ${work}/nginx/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${work}/nginx/body;
  proxy_temp_path ${work}/nginx/proxy;
  fastcgi_temp_path ${work}/nginx/fastcgi;
  uwsgi_temp_path ${work}/nginx/uwsgi;
  scgi_temp_path ${work}/nginx/scgi;
  server { listen 127.0.0.1:${port}; root ${repo}; }
}
`);
    // nginx's workers drop to an unprivileged user when started as root: let them read the repo.
    execFileSync('chmod', ['-R', 'a+rX', work]);
    const log = fs.openSync(path.join(work, 'nginx', 'stderr.log'), 'a');
    nginx = spawn('/usr/sbin/nginx', ['-p', work, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', log, log] });
    const url = `http://127.0.0.1:${port}`;
    let served = '';
    for (let i = 0; i < 100 && !served; i++) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${fs.readFileSync(path.join(work, 'nginx', 'stderr.log'), 'utf-8')}${fs.readFileSync(path.join(work, 'nginx', 'error.log'), 'utf-8')}`);
      try { const r = await get(`${url}/index.yaml`); if (r.status === 200) served = r.body; } catch { /* not listening yet */ }
      if (!served) await new Promise((r) => setTimeout(r, 50));
    }
    // our nginx, serving our repository (not something else on the port)
    expect(served).toBe(fs.readFileSync(path.join(repo, 'index.yaml'), 'utf-8'));
    run('repo', 'add', 'mincloud', url);
    run('repo', 'update');
    const search = run('search', 'repo', 'mincloud');
    for (const c of CHARTS) expect(search).toMatch(new RegExp(`mincloud/${c.name}\\s+${VERSION.replace(/\./g, '\\.')}\\s+${VERSION.replace(/\./g, '\\.')}`));
    expect(objects(run('template', 'site', 'mincloud/mincloud-dev', '--version', VERSION))).toEqual(synthesized('mincloud-dev'));
    // helm pull downloads the packaged archive: the bytes the index's digest names, and renders the same
    const pulled = path.join(work, 'pulled');
    fs.mkdirSync(pulled); // helm does not create --destination
    // (prod's chart for its second cluster: its own pod network in the site's real-IP config)
    run('pull', 'mincloud/mincloud-prod-prod-us', '--version', VERSION, '--destination', pulled);
    const tgz = fs.readFileSync(path.join(pulled, `mincloud-prod-prod-us-${VERSION}.tgz`));
    expect(tgz.equals(fs.readFileSync(path.join(repo, `mincloud-prod-prod-us-${VERSION}.tgz`)))).toBe(true);
    const entry = YAML.parse(served).entries['mincloud-prod-prod-us'][0];
    expect(createHash('sha256').update(tgz).digest('hex')).toBe(entry.digest);
    const rendered = run('template', 'site', path.join(pulled, `mincloud-prod-prod-us-${VERSION}.tgz`));
    expect(objects(rendered)).toEqual(synthesized('mincloud-prod-prod-us'));
    expect(rendered).toContain('set_real_ip_from 10.4.0.0/14;');
  });
});
