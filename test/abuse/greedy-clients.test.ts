import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Api, ATTACKER, holdConnection, ORDINARY, plantBigFile, request, serverSendQueues, sleep, stalledReader, startApi, stubStatus, useSiteWithApi, waitFor } from './support';
import { nginxRealIp } from '../../lib/nginx-real-ip';

// Greedy clients: many requests, many connections, big bodies. nginx must answer 429 past its
// per-address limits (docker/nginx.conf, lib/nginx-api-proxy.ts) while a client at another
// address is served; bodies must never reach /tmp; the API's memory must stay bounded.
jest.setTimeout(60000);

/**
 * Sends `count` requests from `from`, `concurrency` at a time; the statuses (0: no answer). With
 * `until`, no request is sent after an answer with that status.
 */
async function burst(url: string, count: number, concurrency: number, from = ATTACKER, statuses: number[] = [], until?: number): Promise<number[]> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count && (until === undefined || !statuses.includes(until))) {
      next++;
      try {
        statuses.push((await request(url, { from })).status);
      } catch {
        statuses.push(0);
      }
    }
  }));
  return statuses;
}

const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;

function folderBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath ?? (e as any).path, e.name)).size, 0);
}

describe('greedy clients against nginx', () => {
  // Every answer of the API waits 1.5 s (a test-only setting), so requests overlap. 127.0.0.9
  // is trusted as a proxy (as an ingress would be): requests through it name their clients.
  const PROXY = '127.0.0.9';
  const site = useSiteWithApi({ apiEnv: { API_TEST_DELAY_MS: '1500' }, httpIncludes: { 'real-ip.conf': nginxRealIp([PROXY]) } });

  test('the site: 20 requests/s per address with a burst of 40, 429 beyond; another address is served meanwhile', async () => {
    const started = Date.now();
    // The ordinary client starts once the attacker is being refused: served meanwhile.
    const seen: number[] = [];
    const [attack, ordinary] = await Promise.all([
      burst(`${site.nginx.url}/`, 150, 16, ATTACKER, seen),
      (async () => {
        await waitFor(() => (seen.includes(429) ? true : undefined), 10000);
        return burst(`${site.nginx.url}/`, 10, 1, ORDINARY);
      })(),
    ]);
    const seconds = (Date.now() - started) / 1000;
    expect(count(attack, 0)).toBe(0);
    expect(count(attack, 200) + count(attack, 429)).toBe(150);
    expect(count(attack, 429)).toBeGreaterThan(0);
    // burst + rate x time (+1 for the request that opens the window)
    expect(count(attack, 200)).toBeLessThanOrEqual(41 + Math.ceil(20 * seconds));
    expect(ordinary).toEqual(Array(10).fill(200));
  });

  test('/api/: 5 requests at once and 5/s (burst 10) per address, 429 beyond; another address is served meanwhile', async () => {
    // The ordinary client asks once the attacker is being refused, while its 5 are still held.
    const seen: number[] = [];
    const [attack, ordinary] = await Promise.all([
      burst(`${site.nginx.url}/api/info`, 30, 30, ATTACKER, seen),
      (async () => {
        await waitFor(() => (seen.some((status) => status !== 200) ? true : undefined), 10000);
        return (await request(`${site.nginx.url}/api/info`, { from: ORDINARY })).status;
      })(),
    ]);
    // 30 at once: at most 5 reach the API together; the rest are refused at once.
    expect(count(attack, 200)).toBeGreaterThanOrEqual(1);
    expect(count(attack, 200)).toBeLessThanOrEqual(5);
    expect(count(attack, 429)).toBe(30 - count(attack, 200));
    expect(ordinary).toBe(200);
  });

  test('every location is rate-limited: the page, assets, the 404 page, dotfiles, backups, /healthz, /readyz', async () => {
    const targets = ['/', '/assets/app.css', '/missing', '/.env', '/index.html~', '/healthz', '/readyz'];
    // Each from an address of its own (127.0.0.20, ...), 8 at a time until refused: on a busy
    // machine requests come slower, and the limit (20/s, burst 40) is reached later. 400 would
    // take 18 s to send within it.
    const results = await Promise.all(targets.map(async (target, i) => [target, await burst(`${site.nginx.url}${target}`, 400, 8, `127.0.0.${20 + i}`, [], 429)] as const));
    for (const [target, statuses] of results) {
      expect([target, count(statuses, 0)]).toEqual([target, 0]);
      expect([target, count(statuses, 429) > 0]).toEqual([target, true]);
    }
    expect((await request(`${site.nginx.url}/healthz`, { from: ORDINARY })).status).toBe(200);
  });

  test('21st request at once from one address: 429 (limit_conn 20), while another address is served', async () => {
    const big = plantBigFile(site.nginx, 'held.bin', 16 * 1024 * 1024);
    // 30 downloads from one address that stop reading: each stays in progress.
    const readers = [];
    for (let i = 0; i < 30; i++) {
      readers.push(stalledReader(site.nginx.opts.port, big, { from: '127.0.0.5', maxMs: 20000 }));
      await readers[i].head;
    }
    try {
      const statuses = (await Promise.all(readers.map((r) => r.head))).map((h) => Number(/^HTTP\/1\.1 (\d+)/.exec(h)?.[1] ?? 0));
      expect(count(statuses, 200)).toBe(20);
      expect(count(statuses, 429)).toBe(10);
      expect((await request(`${site.nginx.url}/`, { from: ORDINARY })).status).toBe(200);
    } finally {
      for (const r of readers) r.socket.destroy();
    }
  });

  test('health checks have a connection budget of their own: 20 downloads in progress from an address, its probes still 200', async () => {
    const KUBELET = '127.0.0.8';
    const big = plantBigFile(site.nginx, 'busy.bin', 16 * 1024 * 1024);
    // The site's 20 requests at once from this address, held.
    const readers = [];
    try {
      for (let i = 0; i < 20; i++) {
        readers.push(stalledReader(site.nginx.opts.port, big, { from: KUBELET, maxMs: 20000 }));
        await readers[i].head;
      }
      expect((await request(`${site.nginx.url}/`, { from: KUBELET })).status).toBe(429);
      expect((await request(`${site.nginx.url}/healthz`, { from: KUBELET })).status).toBe(200);
      expect((await request(`${site.nginx.url}/readyz`, { from: KUBELET })).status).toBe(200);
    } finally {
      for (const r of readers) r.socket.destroy();
    }
  });

  test('health checks have a request rate of their own: 10/s with a burst of 20, apart from the site\'s', async () => {
    // 30 probes at once on one connection, then the page: 21 pass, a probe past the health
    // checks' own burst gets 429 (unless nginx took a whole second for them); the page still
    // has the site's budget of 41, which alone would have passed all 31.
    const probes = 'GET /healthz HTTP/1.1\r\nHost: site\r\n\r\n'.repeat(30);
    const conn = holdConnection(site.nginx.opts.port, { from: '127.0.0.11', maxMs: 8000 });
    conn.socket.on('connect', () => conn.socket.write(`${probes}GET / HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n`));
    const statuses = ((await conn.closed).received.match(/HTTP\/1\.1 (\d{3}) /g) ?? []).map((l) => Number(l.slice(9, 12)));
    expect(statuses.length).toBe(31);
    expect(statuses.slice(0, 21)).toEqual(Array(21).fill(200));
    expect(statuses.slice(21, 30)).toContain(429);
    expect(statuses[30]).toBe(200);
  });

  test('pipelining: at most 100 answers per connection (keepalive_requests), so unread answers cannot pile up', async () => {
    // Through the trusted proxy, each request in the name of another client: no limit stops them.
    let client = 0;
    const pipelined = (n: number) => Buffer.from(Array.from({ length: n }, () => {
      client++;
      return `GET /.x HTTP/1.1\r\nHost: site\r\nX-Forwarded-For: 10.${client >> 16 & 255}.${client >> 8 & 255}.${client & 255}\r\n\r\n`;
    }).join(''));
    // One connection, 300 requests at once: 100 answers, then nginx closes it.
    const one = holdConnection(site.nginx.opts.port, { from: PROXY, maxMs: 15000 });
    one.socket.on('connect', () => one.socket.write(pipelined(300)));
    const answers = (await one.closed).received.match(/HTTP\/1\.1 \d{3} /g) ?? [];
    expect(answers.length).toBe(100);
    expect(answers.filter((a) => a !== 'HTTP/1.1 404 ')).toEqual([]);
    // 50 connections of 2000 requests each that never read: what waits in the server's send
    // buffers stays small (before: 128 MiB for the keep-alive's 65 s; the pod's limit is 64 MiB).
    const sockets = Array.from({ length: 50 }, () => {
      const s = net.connect({ port: site.nginx.opts.port, host: '127.0.0.1', localAddress: PROXY }, () => s.write(pipelined(2000)));
      s.on('error', () => { /* reset */ });
      s.pause();
      return s;
    });
    try {
      await waitFor(() => (sockets.every((s) => s.bytesWritten > 0) ? true : undefined), 5000);
      let peak = 0;
      for (let i = 0; i < 20; i++) {
        peak = Math.max(peak, serverSendQueues(site.nginx.opts.port));
        await sleep(100);
      }
      expect(peak).toBeLessThan(8 * 1024 * 1024);
    } finally {
      for (const s of sockets) s.destroy();
    }
    expect((await request(`${site.nginx.url}/`, { from: ORDINARY })).status).toBe(200);
  });

  test('a client past its limit waits about a second for each 429; another address is served at once', async () => {
    // 60 requests at once from one address: 41 pass at once, the rest are refused, slowly.
    const timed = await Promise.all(Array.from({ length: 60 }, async () => {
      const started = Date.now();
      const res = await request(`${site.nginx.url}/`, { from: '127.0.0.10' });
      return { status: res.status, ms: Date.now() - started };
    }));
    const refused = timed.filter((t) => t.status === 429);
    expect(refused.length).toBeGreaterThan(10);
    expect(Math.min(...refused.map((t) => t.ms))).toBeGreaterThan(800);
    expect(Math.max(...refused.map((t) => t.ms))).toBeLessThan(3000);
    const started = Date.now();
    expect((await request(`${site.nginx.url}/`, { from: ORDINARY })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(800);
  });

  test('many connections from one address: each is closed when it sends nothing, others are served', async () => {
    const held = Array.from({ length: 200 }, () => holdConnection(site.nginx.opts.port, { maxMs: 20000 }));
    // Every one of them accepted (the status answer's own connection counts too).
    await waitFor(async () => ((await stubStatus(site.nginx)).active > 200 ? true : undefined), 5000);
    expect((await stubStatus(site.nginx)).active).toBeGreaterThanOrEqual(200);
    expect((await request(`${site.nginx.url}/`, { from: ORDINARY })).status).toBe(200);
    const lived = await Promise.all(held.map((h) => h.closed));
    expect(Math.max(...lived.map((l) => l.afterMs))).toBeLessThan(12000);
    expect((await stubStatus(site.nginx)).active).toBeLessThan(10);
  });

  test('big and stalled bodies: refused before they are read (413/405), nothing written to /tmp', async () => {
    const tmp = path.join(site.nginx.dir, 'run');
    const before = folderBytes(tmp);
    const MB = 1024 * 1024;
    // 20 bodies of 1 MB announced, 900 KB sent, then stalled; and chunked ones without a length.
    const stalled = Array.from({ length: 20 }, (_, i) => {
      const target = i % 2 ? '/api/upload' : '/upload';
      const conn = holdConnection(site.nginx.opts.port, { first: `POST ${target} HTTP/1.1\r\nHost: site\r\nContent-Length: ${MB}\r\n\r\n`, maxMs: 20000 });
      conn.socket.on('connect', () => conn.socket.write(Buffer.alloc(900 * 1024, 'a')));
      return conn;
    });
    const chunked = Array.from({ length: 10 }, (_, i) => {
      const conn = holdConnection(site.nginx.opts.port, { first: `POST ${i % 2 ? '/api/upload' : '/'} HTTP/1.1\r\nHost: site\r\nTransfer-Encoding: chunked\r\n\r\n`, maxMs: 20000 });
      conn.socket.on('connect', () => conn.socket.write(`20000\r\n${'b'.repeat(0x20000)}\r\n`));
      return conn;
    });
    // nginx has answered every one (413 or 405, checked below): it is done with each body.
    await waitFor(() => ([...stalled, ...chunked].every((c) => c.socket.bytesRead > 0) ? true : undefined), 10000);
    expect(folderBytes(tmp) - before).toBe(0);
    // nginx unlinks a temp file as it creates it: an open one would show only as a descriptor.
    expect(site.nginx.openTempFiles()).toEqual([]);
    expect((await request(`${site.nginx.url}/`, { from: ORDINARY })).status).toBe(200);
    for (const c of [...stalled, ...chunked]) c.socket.destroy();
    const answers = await Promise.all([...stalled, ...chunked].map((c) => c.closed));
    for (const a of answers.slice(0, 20)) expect(a.received).toMatch(/^HTTP\/1\.1 413 /);
    for (const a of answers.slice(20)) expect(a.received).toMatch(/^HTTP\/1\.1 (405|413) /);
  });
});

describe('the /api/ request rate', () => {
  const site = useSiteWithApi();

  test('/api/: 5 requests/s per address with a burst of 10, one request at a time, 429 beyond', async () => {
    const started = Date.now();
    const statuses = await burst(`${site.nginx.url}/api/info`, 20, 1);
    const seconds = (Date.now() - started) / 1000;
    expect(count(statuses, 200) + count(statuses, 429)).toBe(20);
    expect(count(statuses, 429)).toBeGreaterThan(0);
    expect(count(statuses, 200)).toBeLessThanOrEqual(11 + Math.ceil(5 * seconds));
    expect((await request(`${site.nginx.url}/api/info`, { from: ORDINARY })).status).toBe(200);
  });
});

describe('a connection flood against the API', () => {
  let api: Api;
  beforeAll(async () => { api = await startApi(); });
  afterAll(async () => { await api?.stop(); });

  const memory = () => {
    const status = fs.readFileSync(`/proc/${api.child.pid}/status`, 'utf-8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
    return { rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024 };
  };

  test('3000 half-open sockets: at most 256 are kept, memory stays far below the pod\'s 64 MiB, all gone after the header timeout', async () => {
    const before = memory();
    const sockets: net.Socket[] = [];
    let connected = 0;
    let closed = 0;
    for (let i = 0; i < 3000; i++) {
      const s = net.connect({ port: api.port, host: '127.0.0.1', localAddress: ATTACKER }, () => {
        connected++;
        s.resume(); // reads what comes (the 408), so its close is seen
        s.write('GET /api/info HTTP/1.1\r\nHost: api\r\nX-Half: ');
      });
      s.on('error', () => { /* dropped */ });
      s.on('close', () => { closed++; });
      sockets.push(s);
      // 200 at a time, each batch connected (or refused) before the next: the listen backlog.
      if (i % 200 === 199) await waitFor(() => (sockets.every((k) => !k.connecting) ? true : undefined), 10000);
    }
    await waitFor(() => (sockets.every((k) => !k.connecting) ? true : undefined), 10000);
    const during = memory();
    const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    expect(connected).toBeGreaterThan(256);
    expect(open).toBeLessThanOrEqual(256);
    expect(during.rss).toBeLessThan(64);
    expect(during.anon - before.anon).toBeLessThan(16);
    // The header timeout (10 s) frees every slot; then an ordinary client is served.
    for (let i = 0; i < 60 && closed < 3000; i++) await sleep(250);
    expect(closed).toBe(3000);
    expect((await request(`${api.url}/api/info`, { from: ORDINARY })).status).toBe(200);
  });
});
