import * as net from 'net';
import * as os from 'os';
import { ApiProcess, killApi, request, SERVER, startApi } from './support';

// The API's own protections, against the real server (`node services/api/server.js` in a child
// process on 127.0.0.1) with no proxy in front: what holds when something reaches it directly.
// Clients speak from different loopback addresses (any 127.0.0.0/8 address is this machine), so
// an attacker and an ordinary client are two client addresses to the server.
jest.setTimeout(60000);

const ATTACKER = '127.0.0.2';
const ORDINARY = '127.0.0.3';

const api: { loadConfig(env: NodeJS.ProcessEnv): Record<string, number> } = require(SERVER);
const DEFAULTS = api.loadConfig({});

/** Resolves once `condition` holds, polled every 20 ms; rejects with `what` after `ms`. */
async function until(condition: () => boolean, what: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Held {
  readonly socket: net.Socket;
  closed: boolean;
  received: string;
}

/** A connection from `from` that sends nothing until told: it only holds a slot. */
function hold(port: number, from: string): Held {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
  const held: Held = { socket, closed: false, received: '' };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => { held.received += d; });
  socket.on('error', () => { /* a reset is one way to be closed */ });
  socket.on('close', () => { held.closed = true; });
  return held;
}

/** One GET from `from` on its own connection: the status, or 0 when the connection failed. */
async function statusFrom(url: string, from: string): Promise<number> {
  return new Promise((resolve) => {
    const req = require('http').get(url, { agent: false, localAddress: from }, (res: import('http').IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

describe('one client address cannot take every connection', () => {
  let server: ApiProcess;
  const held: Held[] = [];
  beforeAll(async () => { server = await startApi(); });
  afterAll(async () => {
    for (const h of held) h.socket.destroy();
    await killApi(server);
  });

  test(`defaults: ${DEFAULTS.maxConnections} connections in all, ${DEFAULTS.maxConnectionsPerAddress} from one address`, () => {
    expect(DEFAULTS.maxConnectionsPerAddress).toBeGreaterThan(0);
    expect(DEFAULTS.maxConnectionsPerAddress).toBeLessThan(DEFAULTS.maxConnections);
  });

  test('an address opening more connections than the global cap keeps only its share; every other client is served', async () => {
    const perAddress = DEFAULTS.maxConnectionsPerAddress;
    const attempts = DEFAULTS.maxConnections + 44;
    for (let i = 0; i < attempts; i++) held.push(hold(server.port, ATTACKER));
    await until(() => held.filter((h) => h.closed).length === attempts - perAddress,
      `the server closes all but ${perAddress} of the attacker's ${attempts} connections`);

    // The ordinary client: every request answered (the finding was 0 of 21 once the cap was full).
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push(await statusFrom(`${server.url}/api/healthz`, ORDINARY));
    expect(statuses).toEqual(Array(21).fill(200));

    // The connections that stayed open were held by the server, not waiting in a queue: each
    // one still gets its answer.
    const open = held.filter((h) => !h.closed);
    expect(open).toHaveLength(perAddress);
    for (const h of open) h.socket.write('GET /api/healthz HTTP/1.1\r\nHost: api\r\n\r\n');
    await until(() => open.every((h) => h.received.startsWith('HTTP/1.1 200 OK\r\n')), 'every held connection is answered');

    const warning = await server.waitForLine((l) => l.msg === 'connections refused: too many from one address');
    expect(warning).toMatchObject({ level: 'warn', address: ATTACKER, cap: perAddress });
    expect(warning.refused).toBeGreaterThanOrEqual(1);
    // A flood of refusals is a line a second at most, not a line each.
    const refusalLines = server.lines().filter((l) => l.msg === warning.msg);
    expect(refusalLines.length).toBeLessThan(attempts - perAddress);
  });
});

describe('the connection cap over all addresses together', () => {
  let server: ApiProcess;
  const held: Held[] = [];
  // Smaller than the defaults (same code): three addresses at their per-address cap exceed the total.
  beforeAll(async () => { server = await startApi({ MAX_CONNECTIONS: '20', MAX_CONNECTIONS_PER_ADDRESS: '8' }); });
  afterAll(async () => {
    for (const h of held) h.socket.destroy();
    await killApi(server);
  });

  test('clients from many addresses hold at most MAX_CONNECTIONS connections in all', async () => {
    const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6'];
    for (const from of addresses) for (let i = 0; i < 10; i++) held.push(hold(server.port, from));
    // 30 attempts, 8 per address at most, 20 in all: at least 10 are closed at once.
    await until(() => held.filter((h) => h.closed).length >= 10, 'the server closes the connections above its caps');
    const open = held.filter((h) => !h.closed);
    for (const h of open) h.socket.write('GET /api/healthz HTTP/1.1\r\nHost: api\r\n\r\n');
    await until(() => held.every((h) => h.closed || h.received.startsWith('HTTP/1.1 200 OK\r\n')), 'every connection left open is answered');
    expect(held.filter((h) => !h.closed).length).toBe(20);
    for (const from of addresses) expect(held.filter((h) => h.socket.localAddress === from && !h.closed).length).toBeLessThanOrEqual(8);
  });
});

describe('a client that neither reads nor closes', () => {
  let server: ApiProcess;
  beforeAll(async () => { server = await startApi(); });
  afterAll(async () => { await killApi(server); });

  test('a malformed request: the error answer is written and the server closes the connection itself', async () => {
    const h = hold(server.port, ATTACKER);
    h.socket.on('connect', () => h.socket.write('NOT HTTP AT ALL\r\n\r\n'));
    // The client never calls end(): only the server can close this connection.
    await until(() => h.closed, 'the server closes the connection after its 400');
    expect(h.received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});

describe('slow headers', () => {
  // In process, with a 1 s header timeout (the default is 10 s): the same server code.
  type ApiServer = import('http').Server & { shutdown(ms: number): Promise<unknown> };
  const { createServer } = require(SERVER) as { createServer(o: Record<string, unknown>): ApiServer };
  let server: ApiServer;
  let port = 0;
  beforeAll(async () => {
    server = createServer({ headersTimeoutMs: 1000, log: () => undefined });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => { await server.shutdown(1000); });

  test('headers not complete within the header timeout: 408 and closed, checked twice a second (Node alone checks every 30 s)', async () => {
    const started = Date.now();
    const h = hold(port, ATTACKER);
    h.socket.on('connect', () => h.socket.write('GET /api/info HTTP/1.1\r\nHost: api\r\n'));
    await until(() => h.closed, 'the server answers 408 and closes', 5000);
    expect(h.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('a request that announces a body is refused before the body is read', () => {
  let server: ApiProcess;
  beforeAll(async () => { server = await startApi(); });
  afterAll(async () => { await killApi(server); });

  /** At most this much is written: far more than the kernel's socket buffers on both sides hold. */
  const WRITE_LIMIT = 256 * 1024 * 1024;

  /**
   * Sends `head`, then body bytes as fast as the connection takes them, until the server closes
   * it or WRITE_LIMIT is written; the server's FIN does not stop it (a hostile client keeps
   * sending). Resolves with what came back, how much was written, and how much of that after
   * the answer arrived.
   */
  function streamBody(head: string, chunked: boolean): Promise<{ received: string; written: number; writtenAfterAnswer: number; closedByServer: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: ATTACKER, allowHalfOpen: true });
      let writtenAtAnswer: number | undefined;
      const block = Buffer.alloc(64 * 1024, 'a');
      const frame = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
      let written = 0;
      let received = '';
      let serverClosed = false;
      const pump = () => {
        while (socket.writable && written < WRITE_LIMIT) {
          written += frame.length;
          if (!socket.write(frame)) return;
        }
        if (written >= WRITE_LIMIT) socket.destroy();
      };
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        writtenAtAnswer ??= written;
        received += d;
      });
      socket.on('end', () => { serverClosed = true; });
      socket.on('error', () => { serverClosed = written < WRITE_LIMIT; });
      socket.on('drain', pump);
      socket.on('connect', () => {
        socket.write(head);
        pump();
      });
      socket.on('close', () => resolve({ received, written, writtenAfterAnswer: written - (writtenAtAnswer ?? 0), closedByServer: serverClosed || written < WRITE_LIMIT }));
    });
  }

  test.each([
    ['a chunked body', 'POST /api/info HTTP/1.1\r\nHost: api\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a 10 GB Content-Length', `PUT /api/info HTTP/1.1\r\nHost: api\r\nContent-Length: ${10 * 1024 ** 3}\r\n\r\n`, false],
    ['a GET with a body', 'GET /api/info HTTP/1.1\r\nHost: api\r\nContent-Length: 1073741824\r\n\r\n', false],
  ])('%s: 413, Connection: close, and the connection closed while the body is still coming', async (_name, head, chunked) => {
    const r = await streamBody(head, chunked);
    expect(r.closedByServer).toBe(true);
    expect(r.written).toBeLessThan(WRITE_LIMIT);
    // Once answered, the server reads nothing more: the client can add no more than what the
    // socket buffers still held room for.
    expect(r.writtenAfterAnswer).toBeLessThan(16 * 1024 * 1024);
    expect(r.received).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(r.received.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(r.received.toLowerCase()).toContain('\r\nx-content-type-options: nosniff\r\n');
    expect(r.received.split('\r\n\r\n')[1]).toBe('{"error":"request body not accepted: this API takes none; send GET or HEAD without a body"}');
  });

  test('the answer cannot be lost: the connection is half-closed after it and cut only a moment later, not reset at once', async () => {
    // Closing a socket with unread data sends a reset, and a client that gets it while still
    // sending may drop the 413 it has not read yet. So the server closes its side (FIN) and
    // cuts the connection only after a pause, for a hostile client too (it keeps sending).
    const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: ATTACKER, allowHalfOpen: true });
    let answeredAt = 0;
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; answeredAt ||= Date.now(); });
    socket.on('error', () => { /* the cut */ });
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now())));
    const block = Buffer.alloc(64 * 1024, 'a');
    const pump = () => { while (socket.writable && socket.write(block)) { /* until the buffers are full */ } };
    socket.on('drain', pump);
    socket.on('connect', () => { socket.write(`POST /api/info HTTP/1.1\r\nHost: api\r\nContent-Length: ${10 * 1024 ** 3}\r\n\r\n`); pump(); });
    const closedAt = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    // A reset at once comes within milliseconds; the server waits a second.
    expect(closedAt - answeredAt).toBeGreaterThanOrEqual(500);
  });

  test('Expect: 100-continue gets the refusal, never a "100 Continue"', async () => {
    const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: ATTACKER });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; });
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('connect', () => socket.write('POST /api/info HTTP/1.1\r\nHost: api\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n'));
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(received).not.toContain('100 Continue');
  });

  test('a request without a body, or with Content-Length: 0, is served as before', async () => {
    expect((await request(`${server.url}/api/info`, { headers: { 'content-length': '0' } })).status).toBe(200);
    expect((await request(`${server.url}/api/info`, { method: 'POST' })).status).toBe(405);
  });

  test('the refusal is logged as a request', async () => {
    await streamBody('POST /api/greeting HTTP/1.1\r\nHost: api\r\nX-Request-Id: with-body\r\nContent-Length: 100000000\r\n\r\n', false);
    expect(await server.waitForLine((l) => l.request_id === 'with-body')).toMatchObject({ msg: 'request', method: 'POST', path: '/api/greeting', status: 413 });
  });
});

describe('a connection carries a bounded number of requests', () => {
  let server: ApiProcess | undefined;
  afterEach(async () => { await killApi(server); server = undefined; });

  test(`default: ${DEFAULTS.maxRequestsPerConnection} requests per connection`, () => {
    expect(DEFAULTS.maxRequestsPerConnection).toBeGreaterThan(1);
    expect(api.loadConfig({ MAX_REQUESTS_PER_CONNECTION: '3' })).toMatchObject({ maxRequestsPerConnection: 3 });
  });

  test('the last request is answered with Connection: close and the server closes the connection', async () => {
    server = await startApi({ MAX_REQUESTS_PER_CONNECTION: '3' });
    const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: ATTACKER });
    let received = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; });
    socket.on('close', () => { closed = true; });
    await new Promise((r) => socket.once('connect', r));
    const answers = () => received.split('HTTP/1.1 ').length - 1;
    for (let i = 1; i <= 3; i++) {
      socket.write('GET /api/healthz HTTP/1.1\r\nHost: api\r\n\r\n');
      await until(() => answers() === i, `answer ${i}`);
    }
    await until(() => closed, 'the server closes the connection after the third answer');
    const heads = received.split('HTTP/1.1 ').slice(1).map((a) => a.toLowerCase());
    expect(heads.map((h) => h.slice(0, 3))).toEqual(['200', '200', '200']);
    expect(heads.map((h) => /\r\nconnection: (\S+)\r\n/.exec(h)?.[1])).toEqual(['keep-alive', 'keep-alive', 'close']);
  });

  test('pipelined requests past the bound are not served on that connection', async () => {
    server = await startApi({ MAX_REQUESTS_PER_CONNECTION: '3' });
    const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: ATTACKER });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; });
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('error', () => { /* reset after the last answer */ });
    socket.on('connect', () => socket.write('GET /api/healthz HTTP/1.1\r\nHost: api\r\n\r\n'.repeat(10)));
    await closed;
    expect(received.split('HTTP/1.1 200 OK').length - 1).toBe(3);
  });
});

describe('/api/info names no host', () => {
  let server: ApiProcess;
  beforeAll(async () => { server = await startApi(); });
  afterAll(async () => { await killApi(server); });

  test('service, version and time only; the machine\'s host name appears nowhere in the answer', async () => {
    const r = await request(`${server.url}/api/info`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['service', 'version', 'time']);
    expect(r.body).not.toContain(os.hostname());
  });
});
