import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from '../../../tools/deploy/args';
import { deploy, DeployDeps } from '../../../tools/deploy/deploy';
import { FakeCluster, isolate, Req, restoreEnv, ROOT, savedEnv } from './fake-cluster';

/**
 * Two fake API servers (fake-apiserver.js, each on a port the OS picks) as the two clusters of
 * prod: a kubeconfig whose context `prod-eu` reaches the first and `prod-us` the second (and
 * the dev and staging context `kubernetes-admin@kubernetes` the first). Each server has its own
 * store, control state (failImages for one cluster only) and request log.
 */
export const CLUSTERS = ['prod-eu', 'prod-us'] as const;
export type ClusterName = typeof CLUSTERS[number];

export interface FleetRun {
  code: number;
  out: string;
  /** The API requests each cluster got during the run. */
  reqs: Record<ClusterName, Req[]>;
}

export class FakeFleet {
  public static async start(): Promise<FakeFleet> {
    const saved = savedEnv();
    const eu = await FakeCluster.start();
    const us = await FakeCluster.start();
    const fleet = new FakeFleet({ 'prod-eu': eu, 'prod-us': us }, fs.mkdtempSync(path.join(os.tmpdir(), 'fake-fleet-')), saved);
    fleet.writeKubeconfig();
    return fleet;
  }

  public readonly kubeconfig: string;
  public readonly lines: string[] = [];

  private constructor(public readonly clusters: Record<ClusterName, FakeCluster>, public readonly work: string,
    private readonly saved: Record<string, string | undefined>) {
    this.kubeconfig = path.join(work, 'kubeconfig');
  }

  /**
   * prod-eu and prod-us each to its own server; `sameServer`: prod-us to prod-eu's server through
   * another URL (`http://localhost:<port>`: a mistake the deploy must refuse); `unreachable`:
   * prod-us to a port nothing listens on.
   */
  public writeKubeconfig(options: { sameServer?: boolean; unreachable?: string } = {}): void {
    const eu = this.clusters['prod-eu'].url;
    const us = options.unreachable ?? (options.sameServer ? eu.replace('127.0.0.1', 'localhost') : this.clusters['prod-us'].url);
    fs.writeFileSync(this.kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'eu', cluster: { server: eu } }, { name: 'us', cluster: { server: us } }],
      users: [{ name: 'nobody', user: {} }],
      contexts: [
        { name: 'prod-eu', context: { cluster: 'eu', user: 'nobody' } },
        { name: 'prod-us', context: { cluster: 'us', user: 'nobody' } },
        { name: 'kubernetes-admin@kubernetes', context: { cluster: 'eu', user: 'nobody' } },
      ],
      'current-context': 'prod-eu',
    }));
    isolate(this.work, this.kubeconfig);
  }

  /** Points context prod-us at a port on 127.0.0.1 that nothing listens on (the OS picked it, then it was closed). */
  public async cutOffProdUs(): Promise<void> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    this.writeKubeconfig({ unreachable: `http://127.0.0.1:${port}` });
  }

  /** Both clusters empty, with this control state each (timeScale, failImages, ...), and prod's CRDs installed on both. */
  public async reset(control: Partial<Record<ClusterName, Record<string, unknown>>> & { both?: Record<string, unknown> } = {}): Promise<void> {
    for (const name of CLUSTERS) {
      await this.clusters[name].reset({ ...control.both, ...control[name] });
    }
    // FakeCluster.reset writes its own kubeconfig; the fleet's is the one in use.
    this.writeKubeconfig();
    for (const name of CLUSTERS) this.installCrds(name, 'cert-manager', 'prometheus-operator');
    this.lines.length = 0;
  }

  /** Installs the project's CRDs (crds/) on one cluster, as the controllers' charts would. */
  public installCrds(cluster: ClusterName, ...controllers: string[]): void {
    for (const c of controllers) this.clusters[cluster].kubectlRun(['apply', '--server-side', '-f', path.join(ROOT, 'crds', c)], cluster);
  }

  /** Runs `npm run deploy` in this process; resolves with its exit code, output and each cluster's requests. */
  public async deploy(args: readonly string[], deps: DeployDeps = {}): Promise<FleetRun> {
    const before = { 'prod-eu': (await this.clusters['prod-eu'].requests()).length, 'prod-us': (await this.clusters['prod-us'].requests()).length };
    const opts = parseArgs([...args, '--kubectl', this.clusters['prod-eu'].kubectl, '--helm', this.clusters['prod-eu'].helm, '--outdir', path.join(this.work, 'out')]);
    if (opts === 'help') throw new Error('unexpected help');
    const start = this.lines.length;
    const code = await deploy(opts, { log: (l) => this.lines.push(l), error: (l) => this.lines.push(`ERR ${l}`) }, deps);
    return {
      code,
      out: this.lines.slice(start).join('\n'),
      reqs: {
        'prod-eu': (await this.clusters['prod-eu'].requests()).slice(before['prod-eu']),
        'prod-us': (await this.clusters['prod-us'].requests()).slice(before['prod-us']),
      },
    };
  }

  public async stop(): Promise<void> {
    await this.clusters['prod-us'].stop();
    await this.clusters['prod-eu'].stop();
    restoreEnv(this.saved);
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
