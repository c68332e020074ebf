import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { freePort } from '../support/free-port';

export const ROOT = path.join(__dirname, '..', '..');
export const API_DIR = path.join(ROOT, 'services', 'api');
export const SERVER = path.join(API_DIR, 'server.js');

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Default: a fresh connection closed after the answer. */
  agent?: http.Agent | false;
}

/** One HTTP request; resolves with the whole answer, rejects on a connection error. */
export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf-8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes on a new connection and resolves with everything the server sent back. */
export function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { out += d; });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(10000, () => socket.destroy(new Error('raw request: no answer in 10 s')));
  });
}

export { freePort };

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every stdout line so far, parsed (a line that is not JSON fails the test). */
  lines(): any[];
  /** Resolves with the first line (so far or later) the predicate accepts. */
  waitForLine(predicate: (line: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves with the exit code when the process has ended. */
  exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `node services/api/server.js` on 127.0.0.1 and waits until it listens. */
export async function startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const parsed: any[] = [];
  const waiters: Array<{ predicate: (line: any) => boolean; resolve: (line: any) => void }> = [];
  let buffer = '';
  let errors = '';
  child.stdout!.setEncoding('utf-8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: any;
      try {
        line = JSON.parse(text);
      } catch {
        line = { unparsable: text };
      }
      parsed.push(line);
      for (const w of [...waiters]) {
        if (w.predicate(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (d) => { errors += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitForLine = (predicate: (line: any) => boolean, timeoutMs = 5000) => {
    const found = parsed.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line in ${timeoutMs} ms; got:\n${parsed.map((l) => JSON.stringify(l)).join('\n')}\n${errors}`)), timeoutMs);
      waiters.push({ predicate, resolve: (line) => { clearTimeout(timer); resolve(line); } });
    });
  };
  const api: ApiProcess = {
    child, port, url: `http://127.0.0.1:${port}`, lines: () => parsed, waitForLine, exited, stderr: () => errors,
  };
  await Promise.race([
    waitForLine((l) => l.msg === 'listening'),
    exited.then((code) => { throw new Error(`the API exited with ${code} before listening:\n${errors}`); }),
  ]);
  return api;
}

/** Ends a started API (SIGKILL if it is still running), for afterAll. */
export async function killApi(api: ApiProcess | undefined): Promise<void> {
  if (!api || api.child.exitCode !== null || api.child.signalCode !== null) return;
  api.child.kill('SIGKILL');
  await api.exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
