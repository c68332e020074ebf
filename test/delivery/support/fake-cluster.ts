import { ChildProcess, execFileSync, spawn, SpawnSyncReturns, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from '../../../tools/deploy/args';
import { deploy, DeployDeps } from '../../../tools/deploy/deploy';

/**
 * The fake API server (fake-apiserver.js) as a test uses it: started on a port the OS picks,
 * a kubeconfig whose contexts reach it (the targets' contexts, so `npm run deploy` runs
 * unchanged), helm 4.1.4 and kubectl 1.27 from tools/k8s-binaries.sh with their caches and
 * configuration in the test's own folder, and helpers to run the deploy (in the test's process,
 * or as a program of its own, in its own process group) and read what the server saw.
 */
export const ROOT = path.join(__dirname, '..', '..', '..');
export const DEFAULT_CONTEXTS = ['kubernetes-admin@kubernetes', 'prod-eu', 'prod-us'];

export interface Req {
  seq: number; endSeq?: number; at: number; method: string; path: string; query: Record<string, string>;
  contentType: string | null; userAgent: string | null; status?: number;
}
export interface Obj {
  apiVersion: string; kind: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: any[] };
  spec?: any; status?: any; data?: Record<string, string>; type?: string; [k: string]: any;
}
export interface DeployRun { code: number; out: string; reqs: Req[] }

/** The folder of helm 4.1.4 and kubectl 1.27 (tools/k8s-binaries.sh). */
export const BIN = execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim();

/** Points kubectl's and helm's caches and configuration into `work` (helm would use ~/.cache, ~/.config). */
export function isolate(work: string, kubeconfig: string): void {
  process.env.KUBECONFIG = kubeconfig;
  process.env.KUBECACHEDIR = path.join(work, 'kube-cache');
  for (const [k, d] of [['HELM_CONFIG_HOME', 'helm-config'], ['HELM_CACHE_HOME', 'helm-cache'], ['HELM_DATA_HOME', 'helm-data']]) process.env[k] = path.join(work, d);
}
const ISOLATED = ['KUBECONFIG', 'KUBECACHEDIR', 'HELM_CONFIG_HOME', 'HELM_CACHE_HOME', 'HELM_DATA_HOME'];
export const savedEnv = (): Record<string, string | undefined> => Object.fromEntries(ISOLATED.map((k) => [k, process.env[k]]));
export function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** A deploy run as a program of its own (`npm run deploy`), in its own process group. */
export interface DeployProcess {
  readonly child: ChildProcess;
  /** Its exit code (null when killed) and output, stderr lines starting with "ERR ". */
  readonly done: Promise<{ code: number | null; out: string }>;
  /** kill -9 of its process group: the deploy and the helm it runs. */
  kill(): void;
}

/**
 * Starts `npm run deploy -- <args>` as a program (support/deploy-child.ts: the command's own
 * code, with `extraObjects` added to what the synth writes, as a code change would).
 */
export function spawnDeploy(args: readonly string[], work: string, extraObjects: readonly object[] = []): DeployProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'deploy-child.ts'), ...args,
    '--helm', path.join(BIN, 'helm'), '--kubectl', path.join(BIN, 'kubectl'), ...(args.includes('--outdir') ? [] : ['--outdir', path.join(work, 'out')])], {
    // TMPDIR: the temporary folder of a deploy killed with kill -9 stays behind, inside the test's folder.
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: work, DEPLOY_EXTRA_OBJECTS: JSON.stringify(extraObjects) },
  });
  const lines: string[] = [];
  const collect = (prefix: string) => (d: Buffer) => lines.push(...d.toString('utf-8').replace(/\n$/, '').split('\n').map((l) => `${prefix}${l}`));
  child.stdout!.on('data', collect(''));
  child.stderr!.on('data', collect('ERR '));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out: lines.join('\n') })));
  return { child, done, kill: () => process.kill(-child.pid!, 'SIGKILL') };
}

export class FakeCluster {
  public static async start(): Promise<FakeCluster> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cluster-'));
    const kubectl = path.join(BIN, 'kubectl');
    const server = spawn(process.execPath, [path.join(__dirname, 'fake-apiserver.js')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        const m = /listening (\d+)/.exec(d.toString());
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`fake API server exited (${code})`)));
    });
    const cluster = new FakeCluster(server, `http://127.0.0.1:${port}`, work, kubectl);
    cluster.writeKubeconfig(DEFAULT_CONTEXTS);
    cluster.saved = savedEnv();
    isolate(work, cluster.kubeconfig);
    return cluster;
  }

  private saved: Record<string, string | undefined> = {};
  public readonly kubeconfig: string;
  /** Every line the deploys printed (stderr lines start with "ERR "). */
  public readonly lines: string[] = [];

  public readonly helm = path.join(BIN, 'helm');

  private constructor(private readonly server: ChildProcess, public readonly url: string, public readonly work: string, public readonly kubectl: string) {
    this.kubeconfig = path.join(work, 'kubeconfig');
  }

  /** A kubeconfig with these contexts, all reaching the fake (and extra ones reaching elsewhere). */
  public writeKubeconfig(contexts: readonly string[], elsewhere: Record<string, string> = {}): void {
    fs.writeFileSync(this.kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url } }, ...Object.entries(elsewhere).map(([name, server]) => ({ name, cluster: { server } }))],
      users: [{ name: 'nobody', user: {} }],
      contexts: [...contexts.map((name) => ({ name, context: { cluster: 'fake', user: 'nobody' } })),
        ...Object.keys(elsewhere).map((name) => ({ name, context: { cluster: name, user: 'nobody' } }))],
      'current-context': contexts[0] ?? '',
    }));
  }

  public async stop(): Promise<void> {
    this.server.kill('SIGTERM');
    restoreEnv(this.saved);
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  private async post(p: string, body: unknown): Promise<void> {
    const r = await fetch(`${this.url}${p}`, { method: 'POST', body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status}`);
  }

  /** An empty cluster, control state `control` (timeScale, failImages, rules, ...). */
  public async reset(control: Record<string, unknown> = {}): Promise<void> {
    await this.post('/__reset', {});
    if (Object.keys(control).length) await this.control(control);
    this.writeKubeconfig(DEFAULT_CONTEXTS);
    this.lines.length = 0;
  }

  public control(control: Record<string, unknown>): Promise<void> {
    return this.post('/__control', control);
  }

  /** What the clients made; with `system`, the namespaces a new cluster has too (kube-system, default). */
  public async objects(system = false): Promise<Obj[]> {
    return (await fetch(`${this.url}/__objects${system ? '?system=true' : ''}`)).json() as Promise<Obj[]>;
  }

  public async requests(): Promise<Req[]> {
    return (await fetch(`${this.url}/__requests`)).json() as Promise<Req[]>;
  }

  public async find(kind: string, name: string): Promise<Obj | undefined> {
    return (await this.objects()).find((o) => o.kind === kind && o.metadata.name === name);
  }

  /** Runs `npm run deploy` in this process with these arguments; resolves with its exit code, its output and the API requests it caused. */
  public async deploy(args: readonly string[], deps: DeployDeps = {}): Promise<DeployRun> {
    const before = (await this.requests()).length;
    const opts = parseArgs([...args, '--kubectl', this.kubectl, '--helm', this.helm, ...(args.includes('--outdir') ? [] : ['--outdir', path.join(this.work, 'out')])]);
    if (opts === 'help') throw new Error('unexpected help');
    const start = this.lines.length;
    const code = await deploy(opts, { log: (l) => this.lines.push(l), error: (l) => this.lines.push(`ERR ${l}`) }, deps);
    return { code, out: this.lines.slice(start).join('\n'), reqs: (await this.requests()).slice(before) };
  }

  /** Runs the real kubectl against the fake, as someone at a terminal would; throws on failure. */
  public kubectlRun(args: readonly string[], context = DEFAULT_CONTEXTS[0]): string {
    // env: jest gives each test file its own process.env, which child processes do not inherit by themselves.
    return execFileSync(this.kubectl, ['--context', context, ...args], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  }

  /** The same, without throwing: status, stdout and stderr. */
  public kubectlTry(args: readonly string[], context = DEFAULT_CONTEXTS[0]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(this.kubectl, ['--context', context, ...args], { encoding: 'utf-8', env: process.env });
  }

  /** Polls `condition` every 50 ms until it holds; throws after `timeoutMs`. */
  public async until(what: string, condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** `npm run deploy -- <args>` as a program of its own, in its own process group (see spawnDeploy). */
  public spawnDeploy(args: readonly string[], extraObjects: readonly object[] = []): DeployProcess {
    return spawnDeploy(args, this.work, extraObjects);
  }

  /** The real helm against the fake, as someone at a terminal would (`--kube-context` first). */
  public helmRun(args: readonly string[], context = DEFAULT_CONTEXTS[0]): SpawnSyncReturns<string> {
    return spawnSync(this.helm, ['--kube-context', context, ...args], { encoding: 'utf-8', env: process.env });
  }

  /** `helm history` of a release the deploy made, oldest revision first. */
  public helmHistory(release = 'mincloud-dev'): HelmRevision[] {
    return JSON.parse(this.helmRun(['history', release, '-n', 'mincloud-releases', '-o', 'json']).stdout) as HelmRevision[];
  }

  /** Installs the project's CRDs (crds/), as the controllers' charts would. */
  public installCrds(...controllers: string[]): void {
    for (const c of controllers) this.kubectlRun(['apply', '--server-side', '-f', path.join(ROOT, 'crds', c)]);
  }
}

/** One revision of `helm history -o json`. */
export interface HelmRevision { revision: number; status: string; description: string }

/**
 * The test file's cluster: started before the file's tests (with SITE_IMAGE set to `site` for
 * the tests that deploy the site), stopped after them. Call it at the top level of a test file.
 */
export function useFakeCluster(site?: string): () => FakeCluster {
  let cluster: FakeCluster | undefined;
  beforeAll(async () => {
    cluster = await FakeCluster.start();
    if (site !== undefined) process.env.SITE_IMAGE = site;
  });
  afterAll(async () => {
    await cluster?.stop();
    if (site !== undefined) delete process.env.SITE_IMAGE;
  });
  return () => {
    if (!cluster) throw new Error('useFakeCluster: the cluster is used outside a test (it starts in beforeAll)');
    return cluster;
  };
}

/** Writes (non-dry-run) requests as `METHOD path`. */
export const writes = (reqs: readonly Req[]): string[] => reqs.filter((r) => r.method !== 'GET' && r.query.dryRun === undefined).map((r) => `${r.method} ${r.path}`);
