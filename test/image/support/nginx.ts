import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../support/free-port';

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
  /** Extra files for `mincloud/http.d/`, e.g. `set_real_ip_from` for a trusted proxy. */
  readonly httpIncludes?: Record<string, string>;
}

/**
 * The shipped docker/nginx.conf, made runnable outside the image with these substitutions and
 * nothing else (the same ones bench/nginx/run.sh makes):
 * - the address:port of the two listen lines (`8080` and `127.0.0.1:8081` in the image; tests
 *   run several servers at once, each on its own 127.0.0.1 ports); the listen flags stay;
 * - `/tmp/` (pid and temp files in the image): each server gets its own `<dir>/run/`;
 * - the web root (/usr/share/nginx/html in the image).
 * Included files keep their relative paths (the caller copies them beside the config).
 */
export function renderShippedConfig(dir: string, opts: NginxOptions, webRoot: string): string {
  const text = fs.readFileSync(path.join(DOCKER, 'nginx.conf'), 'utf-8');
  const replaced = text
    .replace(/^(\s*listen )8080([ ;])/m, (_m, head, tail) => `${head}127.0.0.1:${opts.port}${tail}`)
    .replace(/^(\s*listen )127\.0\.0\.1:8081([ ;])/m, (_m, head, tail) => `${head}127.0.0.1:${opts.statusPort}${tail}`)
    .replace(/\/tmp\//g, `${dir}/run/`)
    .replace(/root \/usr\/share\/nginx\/html;/, `root ${webRoot};`);
  for (const must of [`listen 127.0.0.1:${opts.port}`, `listen 127.0.0.1:${opts.statusPort}`, `root ${webRoot};`, `${dir}/run/nginx.pid`]) {
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

/** What `NginxServer.start` takes: the ports default to free ones the operating system picks. */
export type NginxStartOptions = Omit<NginxOptions, 'port' | 'statusPort'> & Partial<Pick<NginxOptions, 'port' | 'statusPort'>>;

export class NginxServer {
  public static async start(options: NginxStartOptions = {}): Promise<NginxServer> {
    const opts: NginxOptions = { ...options, port: options.port ?? await freePort(), statusPort: options.statusPort ?? await freePort() };
    for (const port of [opts.port, opts.statusPort]) {
      if (await portInUse(port)) throw new Error(`127.0.0.1:${port} is in use; stop whatever listens there and run the test again`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-test-'));
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'run'));
    fs.cpSync(path.join(DOCKER, 'mincloud'), path.join(dir, 'mincloud'), { recursive: true });
    for (const [name, text] of Object.entries(opts.siteIncludes ?? {})) {
      fs.writeFileSync(path.join(dir, 'mincloud', 'site.d', name), text);
    }
    for (const [name, text] of Object.entries(opts.httpIncludes ?? {})) {
      fs.writeFileSync(path.join(dir, 'mincloud', 'http.d', name), text);
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
    // Should the test process end without afterAll (a crash), nginx goes with it.
    const killOnExit = () => { try { server.process?.kill('SIGKILL'); } catch { /* gone */ } };
    process.once('exit', killOnExit);
    server.removeExitHook = () => process.removeListener('exit', killOnExit);
    try {
      await server.waitUntilUp();
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  private removeExitHook?: () => void;

  /** The master process's pid (setpriv execs nginx, so it is the spawned process). */
  public get pid(): number {
    return this.process!.pid!;
  }

  /** Pids of the master and its workers. */
  public processIds(): number[] {
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(this.pid)], { encoding: 'utf-8' })
      .trim().split(/\s+/).filter(Boolean).map(Number);
    return [this.pid, ...children];
  }

  private process?: ChildProcess;

  /**
   * Files under the server's temp folders (`/tmp/*_temp` in the image) that its processes hold
   * open now, with their sizes. nginx unlinks a temp file as soon as it creates it, so the
   * folders look empty while one grows: the open descriptors show it (/proc/<pid>/fd).
   */
  public openTempFiles(): Array<{ file: string; bytes: number }> {
    const run = path.join(this.dir, 'run');
    const open: Array<{ file: string; bytes: number }> = [];
    for (const pid of this.processIds()) {
      const fds = path.join('/proc', String(pid), 'fd');
      let entries: string[] = [];
      try { entries = fs.readdirSync(fds); } catch { continue; } // gone meanwhile
      for (const fd of entries) {
        let target = '';
        try { target = fs.readlinkSync(path.join(fds, fd)); } catch { continue; }
        if (!target.startsWith(`${run}/`) || !/_temp\//.test(target)) continue;
        let bytes = 0;
        try { bytes = fs.statSync(path.join(fds, fd)).size; } catch { /* closed meanwhile */ }
        open.push({ file: target, bytes });
      }
    }
    return open;
  }

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

  /** Where stub_status answers. */
  public get statusUrl(): string {
    return `http://127.0.0.1:${this.opts.statusPort}`;
  }

  /**
   * Waits until the access log holds `text` (the shipped config buffers its lines for up to a
   * second, `flush=1s`). nginx writes the buffer in request order, so once the line of the last
   * request is there, every earlier request's line is too. Throws, with the log, after `ms`.
   */
  public async logged(text: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stdout.includes(text)) {
      if (Date.now() > deadline) throw new Error(`nginx logged no line with ${text} in ${ms} ms; its access log:\n${this.stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Graceful stop (SIGQUIT, as the image's STOPSIGNAL), SIGKILL after 3 s; removes the files. */
  public async stop(): Promise<void> {
    const p = this.process;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 3000); })]);
      clearTimeout(timer);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    this.removeExitHook?.();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilUp(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (this.process!.exitCode !== null) throw new Error(`nginx exited: ${this.stderr}`);
      // nginx retries a busy port for 2.5 s before giving up: do not mistake whoever holds it for us.
      if (/bind\(\) to .* failed/.test(this.stderr)) throw new Error(`nginx could not listen: ${this.stderr}`);
      try {
        if ((await get(`${this.url}/healthz`)).status === 200) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx did not start on ${this.url}: ${this.stderr}`);
  }
}

/**
 * A raw HTTP GET with chosen headers, returning status, headers and the undecoded body. One
 * connection per request (no keep-alive pool left open after the tests).
 */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false, timeout: 10000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
    req.on('error', reject);
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
