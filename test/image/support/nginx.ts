import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const DOCKER = path.join(__dirname, '..', '..', '..', 'docker');
export const NGINX = '/usr/sbin/nginx';
/** The user the image runs as; the tests run nginx as this user too. */
export const SITE_UID = 10101;

export interface NginxOptions {
  /** Port for the site (the image's 8080). */
  readonly port: number;
  /** Port for stub_status (the image's 127.0.0.1:8081). */
  readonly statusPort: number;
  /** Config to run instead of the shipped one (the benchmark's stock config). */
  readonly configText?: string;
  /** Extra files for `mincloud/site.d/`, e.g. the /api proxy. */
  readonly siteIncludes?: Record<string, string>;
}

/**
 * The shipped docker/nginx.conf, made runnable outside the image with three substitutions and
 * nothing else: the listen ports (8080 and 8081 are the image's; tests run several servers at
 * once), `/tmp/` (pid and temp files: each server gets its own folder), and the web root
 * (/usr/share/nginx/html in the image). Included files keep their relative paths.
 */
export function renderShippedConfig(dir: string, opts: NginxOptions, webRoot: string): string {
  const text = fs.readFileSync(path.join(DOCKER, 'nginx.conf'), 'utf-8');
  const replaced = text
    .replace(/listen 8080 default_server;/, `listen 127.0.0.1:${opts.port} default_server;`)
    .replace(/listen 127\.0\.0\.1:8081;/, `listen 127.0.0.1:${opts.statusPort};`)
    .replace(/\/tmp\//g, `${dir}/run/`)
    .replace(/root \/usr\/share\/nginx\/html;/, `root ${webRoot};`);
  for (const must of [`127.0.0.1:${opts.port}`, `127.0.0.1:${opts.statusPort}`, `root ${webRoot};`, `${dir}/run/nginx.pid`]) {
    if (!replaced.includes(must)) throw new Error(`docker/nginx.conf changed shape: could not substitute ${must}`);
  }
  return replaced;
}

/** Copies docker/site and gzips it as the Dockerfile does, so gzip_static has its files. */
export function prepareSite(dir: string): string {
  const web = path.join(dir, 'html');
  fs.cpSync(path.join(DOCKER, 'site'), web, { recursive: true });
  execFileSync('sh', ['-c', `find "${web}" -type f \\( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \\) -exec gzip -9 -k -n -f {} +`]);
  return web;
}

export class NginxServer {
  public static async start(opts: NginxOptions): Promise<NginxServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-test-'));
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'run'));
    fs.cpSync(path.join(DOCKER, 'mincloud'), path.join(dir, 'mincloud'), { recursive: true });
    for (const [name, text] of Object.entries(opts.siteIncludes ?? {})) {
      fs.writeFileSync(path.join(dir, 'mincloud', 'site.d', name), text);
    }
    fs.copyFileSync('/etc/nginx/mime.types', path.join(dir, 'mime.types'));
    const web = prepareSite(dir);
    const config = opts.configText ?? renderShippedConfig(dir, opts, web);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), config);
    execFileSync('chown', ['-R', `${SITE_UID}:${SITE_UID}`, path.join(dir, 'run')]);
    execFileSync('chmod', ['-R', 'a+rX', dir]);

    // stdout and stderr are files, as a container runtime's log files are: nginx re-opens
    // /dev/stdout by path, which works for files and pipes but not for node's sockets.
    const out = path.join(dir, 'stdout.log');
    const err = path.join(dir, 'stderr.log');
    const fds = [out, err].map((f) => fs.openSync(f, 'a'));
    execFileSync('chown', [`${SITE_UID}:${SITE_UID}`, out, err]);
    const server = new NginxServer(dir, opts);
    server.process = spawn('setpriv', [`--reuid=${SITE_UID}`, `--regid=${SITE_UID}`, '--clear-groups',
      NGINX, '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', fds[0], fds[1]] });
    fds.forEach((fd) => fs.closeSync(fd));
    await server.waitUntilUp();
    return server;
  }

  private process?: ChildProcess;

  /** What nginx wrote to stdout: the access log. */
  public get stdout(): string {
    return fs.readFileSync(path.join(this.dir, 'stdout.log'), 'utf-8');
  }

  public get stderr(): string {
    return fs.readFileSync(path.join(this.dir, 'stderr.log'), 'utf-8');
  }

  private constructor(public readonly dir: string, public readonly opts: NginxOptions) {}

  public get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  /** The shipped config buffers access logs for up to a second (`flush=1s`): wait that out. */
  public async flushLogs(): Promise<void> {
    await new Promise((r) => setTimeout(r, 1300));
  }

  public async stop(): Promise<void> {
    const p = this.process;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilUp(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (this.process!.exitCode !== null) throw new Error(`nginx exited: ${this.stderr}`);
      try {
        await fetch(`${this.url}/healthz`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`nginx did not start on ${this.url}: ${this.stderr}`);
  }
}

/** A raw HTTP GET with chosen headers, returning status, headers and the undecoded body. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const http = await import('http');
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}
