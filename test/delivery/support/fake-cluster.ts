import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from '../../../tools/deploy/args';
import { deploy, DeployDeps } from '../../../tools/deploy/deploy';

/**
 * The fake API server (fake-apiserver.js) as a test uses it: started on a port the OS picks,
 * a kubeconfig whose contexts reach it (the targets' contexts, so `npm run deploy` runs
 * unchanged), kubectl 1.27 from tools/k8s-binaries.sh with its discovery cache in the test's
 * own folder, and helpers to run the deploy and read what the server saw.
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

export class FakeCluster {
  public static async start(): Promise<FakeCluster> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cluster-'));
    const kubectl = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'kubectl');
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
    cluster.saved = { KUBECONFIG: process.env.KUBECONFIG, KUBECACHEDIR: process.env.KUBECACHEDIR };
    process.env.KUBECONFIG = cluster.kubeconfig;
    process.env.KUBECACHEDIR = path.join(work, 'kube-cache');
    return cluster;
  }

  private saved: Record<string, string | undefined> = {};
  public readonly kubeconfig: string;
  /** Every line the deploys printed (stderr lines start with "ERR "). */
  public readonly lines: string[] = [];

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
    for (const [k, v] of Object.entries(this.saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
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

  public async objects(): Promise<Obj[]> {
    return (await fetch(`${this.url}/__objects`)).json() as Promise<Obj[]>;
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
    const opts = parseArgs([...args, '--kubectl', this.kubectl, '--outdir', path.join(this.work, 'out')]);
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

  /** Installs the project's CRDs (crds/), as the controllers' charts would. */
  public installCrds(...controllers: string[]): void {
    for (const c of controllers) this.kubectlRun(['apply', '--server-side', '-f', path.join(ROOT, 'crds', c)]);
  }
}

/** Writes (non-dry-run) requests as `METHOD path`. */
export const writes = (reqs: readonly Req[]): string[] => reqs.filter((r) => r.method !== 'GET' && r.query.dryRun === undefined).map((r) => `${r.method} ${r.path}`);
