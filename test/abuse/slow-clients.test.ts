import { accessLog, holdConnection, ordinaryTraffic, plantBigFile, serverSocket, sleep, stalledReader, useSiteWithApi, waitFor } from './support';

// Slow clients against the real nginx (shipped config, /api proxy to the real API); the API's
// own timeouts are in api-timeouts.test.ts (a file of its own, so the two run side by side).
// Each kind of slow connection must be closed close to its stated timeout, and each test
// names the setting it proves (the protections list, security/protections/site.yaml, removes
// each one and expects its test to fail). The tests run at the same time (test.concurrent),
// with an ordinary client from another address served meanwhile. Every connection is bounded
// by the test too (maxMs), so a limit that does not hold fails the test instead of hanging it.
jest.setTimeout(90000);

// At the top level: concurrent tests start once the top-level beforeAll is done.
const site = useSiteWithApi();

// A body under client_max_body_size (16 KiB), so that it is refused for what it is, not its size.
const BODY = (method: string, target: string) => `${method} ${target} HTTP/1.1\r\nHost: site\r\nContent-Length: 10000\r\n\r\n`;

describe('slow clients', () => {
  test.concurrent('slow headers are closed at the 10 s header timeout (client_header_timeout)', async () => {
    // slowloris: a header line every 2 s, never the blank line that ends them
    const slow = await holdConnection(site.nginx.opts.port, { first: 'GET / HTTP/1.1\r\nHost: site\r\n', drip: 'X-Slow: 1\r\n', everyMs: 2000, maxMs: 16000 }).closed;
    expect(slow.afterMs).toBeGreaterThan(9000);
    expect(slow.afterMs).toBeLessThan(12000);
  });

  test.concurrent('a connection that sends nothing is closed at 10 s (client_header_timeout)', async () => {
    const idle = await holdConnection(site.nginx.opts.port, { maxMs: 16000 }).closed;
    expect(idle.afterMs).toBeLessThan(12000);
  });

  test.concurrent('a refused body is thrown away for at most 10 s in all, however steadily it drips (lingering_time)', async () => {
    // A byte every second: never a pause long enough for lingering_timeout, so only the total
    // time bounds it. A POST (405) and a GET (200: the site reads no body either).
    const [post, get] = await Promise.all([
      holdConnection(site.nginx.opts.port, { first: BODY('POST', '/'), drip: 'a', everyMs: 1000, maxMs: 16000 }).closed,
      holdConnection(site.nginx.opts.port, { first: BODY('GET', '/'), drip: 'a', everyMs: 1000, maxMs: 16000 }).closed,
    ]);
    expect(post.received).toMatch(/^HTTP\/1\.1 405 /);
    expect(get.received).toMatch(/^HTTP\/1\.1 200 /);
    for (const c of [post, get]) {
      expect(c.afterMs).toBeGreaterThan(8000);
      expect(c.afterMs).toBeLessThan(12500);
    }
  });

  test.concurrent('a refused body that pauses 3 s is dropped at the first pause (lingering_timeout 2 s)', async () => {
    const paused = await holdConnection(site.nginx.opts.port, { first: BODY('POST', '/'), drip: 'a', everyMs: 3000, maxMs: 16000 }).closed;
    expect(paused.received).toMatch(/^HTTP\/1\.1 405 /);
    expect(paused.afterMs).toBeLessThan(4500);
  });

  test.concurrent('GET /api/ with a body: 413 before it is read, closed within the lingering time, the API never asked', async () => {
    const before = site.api.lines().length;
    const dripped = await holdConnection(site.nginx.opts.port, { first: BODY('GET', '/api/info'), drip: 'a', everyMs: 1000, maxMs: 16000 }).closed;
    expect(dripped.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(dripped.afterMs).toBeLessThan(12500);
    // HEAD too, and a Content-Length of 0 is no body.
    const head = await holdConnection(site.nginx.opts.port, { first: BODY('HEAD', '/api/info'), maxMs: 5000 }).closed;
    expect(head.received).toMatch(/^HTTP\/1\.1 413 /);
    const empty = await holdConnection(site.nginx.opts.port, { first: 'GET /api/info HTTP/1.1\r\nHost: site\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', maxMs: 5000 }).closed;
    expect(empty.received).toMatch(/^HTTP\/1\.1 200 /);
    const asked = () => site.api.lines().slice(before).filter((l) => l.msg === 'request' && l.path === '/api/info');
    await waitFor(() => (asked().length > 0 ? true : undefined), 3000);
    expect(asked().length).toBe(1);
  });

  test.concurrent('GET /api/ with a chunked body: 413 before it is read', async () => {
    const chunked = await holdConnection(site.nginx.opts.port, {
      first: 'GET /api/info HTTP/1.1\r\nHost: site\r\nTransfer-Encoding: chunked\r\n\r\n', drip: '1\r\na\r\n', everyMs: 1000, maxMs: 16000,
    }).closed;
    expect(chunked.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked.afterMs).toBeLessThan(12500);
  });

  test.concurrent('a client that stops reading is cut after 10 s (send_timeout)', async () => {
    const big = plantBigFile(site.nginx, 'stalled-timeout.bin', 64 * 1024 * 1024);
    const started = Date.now();
    const reader = stalledReader(site.nginx.opts.port, big, { maxMs: 22000 });
    expect(await reader.head).toMatch(/^HTTP\/1\.1 200 /);
    // nginx logs the request when it gives up on it: at the send timeout, with part of the file sent.
    const line = await waitFor(() => accessLog(site.nginx).find((l) => l.uri === big), 14000);
    expect(line).toBeDefined();
    expect(Date.now() - started).toBeLessThan(13000);
    expect(line.duration_s).toBeGreaterThan(9);
    expect(line.duration_s).toBeLessThan(12);
    expect(line.bytes).toBeLessThan(64 * 1024 * 1024);
  });

  test.concurrent('a timed-out connection is reset: nothing of its answer stays queued (reset_timedout_connection)', async () => {
    const big = plantBigFile(site.nginx, 'stalled-reset.bin', 64 * 1024 * 1024);
    const reader = stalledReader(site.nginx.opts.port, big, { maxMs: 22000 });
    expect(await reader.head).toMatch(/^HTTP\/1\.1 200 /);
    const clientPort = reader.socket.localPort!;
    // Megabytes wait in the server's send queue while the client does not read...
    const queued = await waitFor(() => {
      const queue = serverSocket(site.nginx.opts.port, clientPort)?.sendQueue ?? 0;
      return queue > 100000 ? queue : undefined;
    }, 5000);
    expect(queued).toBeGreaterThan(100000);
    await waitFor(() => accessLog(site.nginx).find((l) => l.uri === big), 20000);
    // ...and at the send timeout they are dropped with the socket (a reset). A plain close would
    // leave the socket in FIN_WAIT1 with its queue, for as long as the client keeps its window shut.
    const after = await waitFor(() => serverSocket(site.nginx.opts.port, clientPort) === undefined ? 'gone' : undefined, 3000);
    expect([after, serverSocket(site.nginx.opts.port, clientPort)]).toEqual(['gone', undefined]);
  });

  test.concurrent('an ordinary client at another address is served all along', async () => {
    const statuses = await ordinaryTraffic(`${site.nginx.url}/`, sleep(12000), { pauseMs: 250 });
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
