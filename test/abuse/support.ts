import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { nginxApiProxy } from '../../lib/nginx-api-proxy';
import { NginxOptions, NginxServer } from '../image/support/nginx';

// What the abuse tests share: the real nginx with the shipped config and the real API behind
// its /api proxy, each on a port the OS picked on 127.0.0.1, and clients that can speak from
// other loopback addresses (127.0.0.2, 127.0.0.3, ...), so that an attacker and an ordinary
// client are two different client addresses to nginx's per-address limits.

const SERVER = path.join(__dirname, '..', '..', 'services', 'api', 'server.js');

/** The attacker's address and an ordinary client's (any 127.0.0.0/8 address is this machine). */
export const ATTACKER = '127.0.0.2';
export const ORDINARY = '127.0.0.3';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 the OS picked (bound, then released for the server to take). */
export function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * nginx with the shipped config on two OS-picked ports; should another process take a port
 * between the pick and nginx's bind, it tries again with new ones (at most 5 times).
 */
export async function startNginx(opts: Omit<NginxOptions, 'port' | 'statusPort'> = {}): Promise<NginxServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await NginxServer.start({ ...opts, port: await osPickedPort(), statusPort: await osPickedPort() });
    } catch (e) {
      last = e;
      if (!/in use|could not listen/.test(String(e))) throw e;
    }
  }
  throw last;
}

export interface Api {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** The API's stdout lines so far, parsed. */
  lines(): any[];
  stop(): Promise<void>;
}

/** `node services/api/server.js` on 127.0.0.1, port 0 (the OS picks; read from its first log line). */
export async function startApi(env: Record<string, string> = {}): Promise<Api> {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start in 5 s: ${stderr}`)), 5000);
    child.once('exit', (code) => reject(new Error(`the API exited with ${code}: ${stderr}`)));
    child.stdout!.setEncoding('utf-8');
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.msg === 'listening') {
          clearTimeout(timer);
          resolve(line.port);
        }
      }
    });
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child, port, url: `http://127.0.0.1:${port}`, lines: () => lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The site (shipped nginx config) with the real API behind its generated /api proxy. */
export async function startSiteWithApi(opts: { httpIncludes?: Record<string, string>; apiEnv?: Record<string, string> } = {}): Promise<{ nginx: NginxServer; api: Api }> {
  const api = await startApi(opts.apiEnv);
  try {
    const nginx = await startNginx({ siteIncludes: { 'api-proxy.conf': nginxApiProxy(`http://127.0.0.1:${api.port}`) }, httpIncludes: opts.httpIncludes });
    return { nginx, api };
  } catch (e) {
    await api.stop();
    throw e;
  }
}

/**
 * The site with the real API for the tests of one `describe` (or file): started in beforeAll,
 * stopped in afterAll. Its fields are set once beforeAll has run.
 */
export function useSiteWithApi(opts: Parameters<typeof startSiteWithApi>[0] = {}): { readonly nginx: NginxServer; readonly api: Api } {
  let started: { nginx: NginxServer; api: Api } | undefined;
  beforeAll(async () => { started = await startSiteWithApi(opts); });
  afterAll(async () => {
    await started?.nginx.stop();
    await started?.api.stop();
  });
  const get = () => {
    if (!started) throw new Error('useSiteWithApi: the site is used outside a test (it starts in beforeAll)');
    return started;
  };
  return { get nginx() { return get().nginx; }, get api() { return get().api; } };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header lines as sent, in order: [name, value] pairs (repeats kept). */
  rawHeaders: string[];
  body: string;
}

/** One request on its own connection, from `from` (a loopback address), answered within 10 s. */
export function request(url: string, opts: { from?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false, localAddress: opts.from ?? ORDINARY }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf-8') }));
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Header names that occur more than once in an answer. */
export function repeatedHeaders(answer: Answer): string[] {
  const seen = new Map<string, number>();
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    const name = answer.rawHeaders[i].toLowerCase();
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([name]) => name);
}

export interface HeldSocket {
  readonly socket: net.Socket;
  /** Resolves with how long the connection lived (ms) and what the server sent, when it closes. */
  readonly closed: Promise<{ afterMs: number; received: string }>;
}

/**
 * A raw connection from `from` that sends `first` and then, every `everyMs`, `drip` (by
 * default nothing more), until the server closes it or `maxMs` passes (then the test closes
 * it: the loop is bounded either way).
 */
export function holdConnection(port: number, opts: { from?: string; first?: string; drip?: string; everyMs?: number; maxMs: number }): HeldSocket {
  const started = Date.now();
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: opts.from ?? ATTACKER });
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => { received += d; });
  socket.on('error', () => { /* a reset is one way to be closed */ });
  socket.on('connect', () => {
    if (opts.first) socket.write(opts.first);
    if (opts.drip && opts.everyMs) {
      timer = setInterval(() => { if (socket.writable) socket.write(opts.drip!); }, opts.everyMs);
    }
  });
  const limit = setTimeout(() => socket.destroy(), opts.maxMs);
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(limit);
      resolve({ afterMs: Date.now() - started, received });
    });
  });
  return { socket, closed };
}

/**
 * Ordinary traffic while an attack runs: from ORDINARY, one request after another to `url`
 * until `until` resolves (bounded by `maxRequests`); resolves with the statuses seen.
 */
export async function ordinaryTraffic(url: string, until: Promise<unknown>, opts: { maxRequests?: number; pauseMs?: number } = {}): Promise<number[]> {
  let done = false;
  until.then(() => { done = true; }, () => { done = true; });
  const statuses: number[] = [];
  for (let i = 0; i < (opts.maxRequests ?? 200) && !done; i++) {
    try {
      statuses.push((await request(url, { from: ORDINARY })).status);
    } catch {
      statuses.push(0);
    }
    await sleep(opts.pauseMs ?? 200);
  }
  return statuses;
}

/** nginx's stub_status counters. */
export async function stubStatus(nginx: NginxServer): Promise<{ active: number; reading: number; writing: number; waiting: number }> {
  const res = await request(`http://127.0.0.1:${nginx.opts.statusPort}/stub_status`, { from: '127.0.0.1' });
  const n = (re: RegExp) => Number(re.exec(res.body)![1]);
  return { active: n(/Active connections: (\d+)/), reading: n(/Reading: (\d+)/), writing: n(/Writing: (\d+)/), waiting: n(/Waiting: (\d+)/) };
}

/**
 * Plants a file of `bytes` (a sparse file of zeros: instant to make) in the running server's
 * web root, readable by nginx; returns its URL path. For answers too big for the socket
 * buffers, so that a client that stops reading holds its request open.
 */
export function plantBigFile(nginx: NginxServer, name: string, bytes: number): string {
  const file = path.join(nginx.dir, 'html', name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  fs.chmodSync(file, 0o644);
  return `/${name}`;
}

export interface StalledReader {
  readonly socket: net.Socket;
  /** What arrived before the test stopped reading (at least the status line). */
  readonly head: Promise<string>;
}

/**
 * A GET of `target` from `from` whose client stops reading after the first bytes of the answer:
 * the kernel's buffers fill and nginx can send no more. Bounded by `maxMs`.
 */
export function stalledReader(port: number, target: string, opts: { from?: string; maxMs: number }): StalledReader {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: opts.from ?? ATTACKER });
  socket.setEncoding('latin1');
  socket.on('error', () => { /* a reset is one way to be closed */ });
  const limit = setTimeout(() => socket.destroy(), opts.maxMs);
  socket.on('close', () => clearTimeout(limit));
  const head = new Promise<string>((resolve) => {
    socket.once('data', (d: string) => {
      socket.pause();
      resolve(d);
    });
    socket.once('close', () => resolve(''));
  });
  socket.on('connect', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: site\r\n\r\n`));
  return { socket, head };
}

/**
 * The kernel's view of the server's end of a connection (/proc/net/tcp, IPv4): its TCP state
 * and the bytes still queued to send, or undefined once the socket is gone.
 */
export function serverSocket(serverPort: number, clientPort: number): { state: string; sendQueue: number } | undefined {
  const STATES: Record<string, string> = { '01': 'ESTABLISHED', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0B': 'CLOSING' };
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf-8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    if (f[1].endsWith(`:${hex(serverPort)}`) && f[2].endsWith(`:${hex(clientPort)}`)) {
      return { state: STATES[f[3]] ?? f[3], sendQueue: parseInt(f[4].split(':')[0], 16) };
    }
  }
  return undefined;
}

/** Bytes queued to send on every connection of the server's port (/proc/net/tcp, IPv4). */
export function serverSendQueues(serverPort: number): number {
  const local = `:${serverPort.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs.readFileSync('/proc/net/tcp', 'utf-8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 4 && f[1].endsWith(local) && f[3] !== '0A')
    .reduce((sum, f) => sum + parseInt(f[4].split(':')[0], 16), 0);
}

/** Polls `check` every 100 ms until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await sleep(100);
  }
}

/** The access log's lines so far, parsed (the shipped config flushes them within a second). */
export function accessLog(nginx: NginxServer): any[] {
  return nginx.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
