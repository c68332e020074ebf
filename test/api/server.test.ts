import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { API_DIR, ApiProcess, freePort, killApi, rawRequest, request, ROOT, SERVER, startApi } from './support';
import { apiImage } from '../../config/image-config';

/** The API's own version (its package.json), what it reports when no APP_VERSION is set. */
const VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'services', 'api', 'package.json'), 'utf-8')).version;

// The API is plain JavaScript (type-checked at the end of this file), run here as the image
// runs it: `node server.js`, in a child process on 127.0.0.1, its stdout parsed line by line.
interface Trace { format: string; traceId: string | null; spanId: string | null; sampled: boolean | null }
const api: {
  parseTraceparent(v: string | undefined): Trace | null;
  parseB3Single(v: string | undefined): Trace | null;
  parseB3Multi(h: http.IncomingHttpHeaders): Trace | null;
  parseTarget(t: string): { path: string; query: URLSearchParams } | null;
  validateName(values: string[]): { ok: true; name: string } | { ok: false; rule: string; message: string };
  loadConfig(env: NodeJS.ProcessEnv): Record<string, unknown>;
} = require(SERVER);

jest.setTimeout(30000);

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
const NAME_ERROR = `invalid parameter "name": use 1-40 letters, digits, spaces, '-', '_' or '.'`;

describe('trace context parsing', () => {
  test('W3C traceparent: version 00 exactly, later versions by their first fields, ids not zero, lower case', () => {
    expect(api.parseTraceparent(TRACEPARENT)).toEqual({ format: 'w3c', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(api.parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    expect(api.parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of [
      undefined, '', 'garbage',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // zero trace id
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // zero parent id
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // forbidden version
      `${TRACEPARENT}-extra`, // version 00 has exactly four fields
      `${TRACEPARENT}, ${TRACEPARENT}`, // sent twice
    ]) {
      expect(api.parseTraceparent(bad)).toBeNull();
    }
  });

  test('B3 single header: ids with sampling state and parent, or a decision alone', () => {
    expect(api.parseB3Single('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90'))
      .toEqual({ format: 'b3-single', traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', sampled: true });
    expect(api.parseB3Single('e457b5a2e4d86bd1-05e3ac9a4f6e3b90')).toEqual({ format: 'b3-single', traceId: 'e457b5a2e4d86bd1', spanId: '05e3ac9a4f6e3b90', sampled: null });
    expect(api.parseB3Single('e457b5a2e4d86bd1-05e3ac9a4f6e3b90-d')?.sampled).toBe(true);
    expect(api.parseB3Single('0')).toEqual({ format: 'b3-single', traceId: null, spanId: null, sampled: false });
    for (const bad of [undefined, '', 'x', 'e457b5a2e4d86bd1', 'e457b5a2e4d86bd1-05e3ac9a4f6e3b90-2', 'e457b5a2e4d86bd1-short', 'a-b-c-d-e']) {
      expect(api.parseB3Single(bad)).toBeNull();
    }
  });

  test('B3 multiple headers: both ids or neither, sampled and debug flags', () => {
    expect(api.parseB3Multi({ 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '0' }))
      .toEqual({ format: 'b3', traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1', sampled: false });
    expect(api.parseB3Multi({ 'x-b3-traceid': 'e457b5a2e4d86bd1', 'x-b3-spanid': '05e3ac9a4f6e3b90', 'x-b3-flags': '1' })?.sampled).toBe(true);
    expect(api.parseB3Multi({ 'x-b3-sampled': '1' })).toEqual({ format: 'b3', traceId: null, spanId: null, sampled: true });
    expect(api.parseB3Multi({ 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7' })).toBeNull();
    expect(api.parseB3Multi({ 'x-b3-traceid': 'nothex', 'x-b3-spanid': 'e457b5a2e4d86bd1' })).toBeNull();
    expect(api.parseB3Multi({})).toBeNull();
  });
});

describe('request targets and settings', () => {
  test('origin-form paths are taken as they are, absolute-form is understood, others refused', () => {
    expect(api.parseTarget('//evil.example/api/info')?.path).toBe('//evil.example/api/info');
    expect(api.parseTarget('/api/greeting?name=Ada&x=1')?.query.get('name')).toBe('Ada');
    expect(api.parseTarget('http://api/api/info?a=1')?.path).toBe('/api/info');
    expect(api.parseTarget('*')).toBeNull();
    expect(api.parseTarget('api/info')).toBeNull();
  });

  test('configuration from the environment, with the variable and its rule on error', () => {
    expect(api.loadConfig({})).toEqual({
      port: 8080, host: '0.0.0.0', version: VERSION, keepAliveTimeoutMs: 65000, shutdownTimeoutMs: 10000, testDelayMs: 0,
      maxConnections: 256, maxConnectionsPerAddress: 16, maxRequestsPerConnection: 1000,
    });
    expect(api.loadConfig({ MAX_CONNECTIONS: '64' })).toMatchObject({ maxConnections: 64 });
    expect(() => api.loadConfig({ MAX_CONNECTIONS: '0' })).toThrow('MAX_CONNECTIONS="0" is not valid: use a whole number from 1 to 100000');
    expect(api.loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '0' })).toMatchObject({ maxConnectionsPerAddress: 0 });
    expect(() => api.loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '-1' })).toThrow('MAX_CONNECTIONS_PER_ADDRESS="-1" is not valid: use a whole number from 0 to 100000');
    expect(() => api.loadConfig({ MAX_REQUESTS_PER_CONNECTION: '0' })).toThrow('MAX_REQUESTS_PER_CONNECTION="0" is not valid: use a whole number from 1 to 1000000');
    expect(api.loadConfig({ PORT: '9000', HOST: '127.0.0.1', APP_VERSION: '2.0.0' })).toMatchObject({ port: 9000, host: '127.0.0.1', version: '2.0.0' });
    expect(() => api.loadConfig({ PORT: 'http' })).toThrow('PORT="http" is not valid: use a whole number from 0 to 65535');
    expect(() => api.loadConfig({ PORT: '70000' })).toThrow('PORT="70000" is not valid');
    expect(() => api.loadConfig({ SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow('SHUTDOWN_TIMEOUT_MS="-1" is not valid: use a whole number from 0 to 600000');
    expect(() => api.loadConfig({ KEEP_ALIVE_TIMEOUT_MS: '1.5' })).toThrow('KEEP_ALIVE_TIMEOUT_MS="1.5" is not valid');
    expect(() => api.loadConfig({ API_TEST_DELAY_MS: '60001' })).toThrow('API_TEST_DELAY_MS="60001" is not valid');
  });

  test('greeting names: 1-40 letters, digits, spaces, - _ . (Unicode letters welcome, counted in characters)', () => {
    expect(api.validateName([])).toEqual({ ok: true, name: 'world' });
    expect(api.validateName(['Zoë Ó Súilleabháin-Ng Jr.'])).toEqual({ ok: true, name: 'Zoë Ó Súilleabháin-Ng Jr.' });
    expect(api.validateName(['a_b-c.d 42'])).toEqual({ ok: true, name: 'a_b-c.d 42' });
    expect(api.validateName(['x'.repeat(40)])).toEqual({ ok: true, name: 'x'.repeat(40) });
    expect(api.validateName(['名'.repeat(40)])).toEqual({ ok: true, name: '名'.repeat(40) });
    expect(api.validateName(['a', 'b'])).toEqual({ ok: false, rule: 'single', message: NAME_ERROR });
    expect(api.validateName([''])).toEqual({ ok: false, rule: 'not_empty', message: NAME_ERROR });
    expect(api.validateName(['x'.repeat(41)])).toEqual({ ok: false, rule: 'max_length', message: NAME_ERROR });
    for (const bad of ['<script>', 'a/b', 'a\nb', 'a;b', '"x"', "O'Brien", 'a\u0000b', '😀']) {
      expect(api.validateName([bad])).toEqual({ ok: false, rule: 'allowed_characters', message: NAME_ERROR });
    }
  });
});

describe('the API over HTTP', () => {
  let server: ApiProcess;
  beforeAll(async () => { server = await startApi(); });
  afterAll(async () => { await killApi(server); });
  const get = (p: string, headers: Record<string, string> = {}) => request(`${server.url}${p}`, { headers });
  /** The access log line of the request with this x-request-id. */
  const logOf = (id: string) => server.waitForLine((l) => l.msg === 'request' && l.request_id === id);

  test('startup line: service, version, address, Node version', () => {
    expect(server.lines()[0]).toMatchObject({ level: 'info', msg: 'listening', service: 'api', version: VERSION, host: '127.0.0.1', port: server.port, node: process.version });
  });

  test('/api/healthz: 200 {"status":"ok"}; /api/readyz: 200 ready', async () => {
    const r = await get('/api/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"status":"ok"}');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const ready = await get('/api/readyz');
    expect([ready.status, ready.body]).toEqual([200, '{"status":"ready"}']);
  });

  test('/api/info: service, version from package.json, time', async () => {
    const before = Date.now();
    const r = await get('/api/info');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['service', 'version', 'time']);
    expect(r.json).toMatchObject({ service: 'api', version: VERSION });
    expect(r.json.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(r.json.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(r.json.time)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('HEAD: the headers of GET, no body', async () => {
    const r = await request(`${server.url}/api/healthz`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('15');
    expect(r.body).toBe('');
  });

  test('/api/greeting: greets, defaults to world, decodes the query', async () => {
    expect((await get('/api/greeting')).json).toEqual({ greeting: 'Hello, world!' });
    expect((await get('/api/greeting?name=Ada')).json).toEqual({ greeting: 'Hello, Ada!' });
    expect((await get('/api/greeting?name=Jos%C3%A9+Ng-Li_2.0')).json).toEqual({ greeting: 'Hello, José Ng-Li_2.0!' });
  });

  test('/api/greeting: 400 with the rule for a bad name', async () => {
    for (const query of ['name=%3Cscript%3E', 'name=a%0Ab', `name=${'x'.repeat(41)}`, 'name=', 'name=a&name=b', 'name=O%27Brien']) {
      const r = await get(`/api/greeting?${query}`);
      expect([query, r.status]).toEqual([query, 400]);
      expect(r.json).toEqual({ error: NAME_ERROR });
      expect(r.body).toBe(`{"error":"invalid parameter \\"name\\": use 1-40 letters, digits, spaces, '-', '_' or '.'"}`);
      expect(r.body).not.toContain('script');
    }
  });

  test('anything else: 404 {"error":"not found"} (GET and HEAD)', async () => {
    for (const [method, p] of [['GET', '/'], ['GET', '/healthz'], ['GET', '/api'], ['GET', '/api/info/'], ['GET', '/API/INFO'], ['GET', '//api/info'], ['HEAD', '/nope']]) {
      const r = await request(`${server.url}${p}`, { method });
      expect([method, p, r.status]).toEqual([method, p, 404]);
      if (method === 'GET') expect(r.body).toBe('{"error":"not found"}');
    }
  });

  test('any other method, on any path: 405 with Allow: GET, HEAD', async () => {
    for (const p of ['/api/healthz', '/api/readyz', '/api/info', '/api/greeting', '/nope']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const r = await request(`${server.url}${p}`, { method });
        expect([p, method, r.status, r.headers.allow]).toEqual([p, method, 405, 'GET, HEAD']);
        expect(r.json).toEqual({ error: 'method not allowed' });
      }
    }
  });

  test('security headers on every answer; no Server or X-Powered-By header to reveal versions', async () => {
    const answers = [
      await get('/api/info'), await get('/api/healthz'), await get('/api/greeting?name=%3C'), await get('/nope'),
      await request(`${server.url}/api/info`, { method: 'POST' }),
    ];
    for (const r of answers) {
      expect(r.headers).toMatchObject(SECURITY_HEADERS);
      expect(r.headers.server).toBeUndefined();
      expect(r.headers['x-powered-by']).toBeUndefined();
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });

  test('keep-alive: connections are reused, idle ones kept 65 s (longer than the proxies in front), each for a bounded number of requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    agent.on('free', (s: net.Socket) => sockets.add(s));
    try {
      const first = await request(`${server.url}/api/healthz`, { agent });
      await request(`${server.url}/api/info`, { agent });
      expect(first.headers.connection).toBe('keep-alive');
      // And says how many requests the connection may carry.
      expect(first.headers['keep-alive']).toBe(`timeout=65, max=${api.loadConfig({}).maxRequestsPerConnection}`);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  test('malformed requests: 400 (or 431 for huge headers) as JSON with the security headers', async () => {
    const bad = await rawRequest(server.port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bad).toContain('x-content-type-options: nosniff\r\n');
    expect(bad).toContain('content-type: application/json; charset=utf-8\r\n');
    expect(bad.split('\r\n\r\n')[1]).toBe('{"error":"bad request: Bad Request"}');
    const huge = await rawRequest(server.port, `GET /api/info HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const star = await rawRequest(server.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(star).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(star).toContain('{"error":"bad request: the request target must be a path"}');
    await server.waitForLine((l) => l.level === 'warn' && l.msg === 'bad request' && l.status === 431);
  });

  test('access log: one JSON line per request with method, path (no query), status and duration', async () => {
    await get('/api/greeting?name=Secret', { 'x-request-id': 'log-1' });
    await get('/api/greeting?name=%3C', { 'x-request-id': 'log-2' });
    await request(`${server.url}/api/info`, { method: 'DELETE', headers: { 'x-request-id': 'log-3' } });
    await get('/missing', { 'x-request-id': 'log-4' });
    await request(`${server.url}/missing`, { method: 'POST', headers: { 'x-request-id': 'log-5' } });
    const lines = await Promise.all(['log-1', 'log-2', 'log-3', 'log-4', 'log-5'].map(logOf));
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['GET', '/api/greeting', 200], ['GET', '/api/greeting', 400], ['DELETE', '/api/info', 405], ['GET', '/missing', 404], ['POST', '/missing', 405],
    ]);
    for (const l of lines) {
      expect(l).toMatchObject({ level: 'info', msg: 'request', trace_id: null });
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['time', 'method', 'path', 'status', 'duration_ms', 'trace_id']));
      expect(Date.parse(l.time)).toBeGreaterThan(0);
      expect(typeof l.duration_ms).toBe('number');
      expect(l.duration_ms).toBeGreaterThanOrEqual(0);
      expect(l.duration_ms).toBeLessThan(5000);
    }
    expect(JSON.stringify(server.lines())).not.toContain('Secret');
  });

  test('probes are answered but not logged', async () => {
    const before = server.lines().length;
    await get('/api/healthz', { 'x-request-id': 'probe' });
    await get('/api/readyz', { 'x-request-id': 'probe' });
    await get('/api/info', { 'x-request-id': 'after-probes' });
    await logOf('after-probes');
    expect(server.lines().slice(before).map((l) => l.request_id)).toEqual(['after-probes']);
  });

  test('W3C traceparent: logged and echoed in the answer', async () => {
    const r = await get('/api/info', { traceparent: TRACEPARENT, 'x-request-id': 'w3c' });
    expect(r.headers.traceparent).toBe(TRACEPARENT);
    expect(await logOf('w3c')).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_sampled: true, trace_format: 'w3c' });
    // Echoed on probes and errors too: a debugging aid wherever the request went.
    expect((await get('/api/healthz', { traceparent: TRACEPARENT })).headers.traceparent).toBe(TRACEPARENT);
    expect((await get('/nope', { traceparent: TRACEPARENT })).headers.traceparent).toBe(TRACEPARENT);
  });

  test('a later-version traceparent with more fields comes back canonical: version 00, the ids, the sampled flag, nothing else', async () => {
    const r = await get('/api/info', { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-<b>more</b>' });
    expect(r.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  test('B3 multiple headers and the single b3 header are logged', async () => {
    await get('/api/info', { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1', 'x-request-id': 'b3-multi' });
    await get('/api/info', { b3: '463ac35c9f6413ad-0020000000000001-0', 'x-request-id': 'b3-single' });
    expect(await logOf('b3-multi')).toMatchObject({ trace_id: '80f198ee56343ba864fe8b2a57d3eff7', span_id: 'e457b5a2e4d86bd1', trace_sampled: true, trace_format: 'b3' });
    expect(await logOf('b3-single')).toMatchObject({ trace_id: '463ac35c9f6413ad', span_id: '0020000000000001', trace_sampled: false, trace_format: 'b3-single' });
  });

  test('W3C and a different B3 trace together: both are logged, W3C first', async () => {
    const r = await get('/api/info', {
      traceparent: TRACEPARENT, 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-request-id': 'both',
    });
    expect(r.headers.traceparent).toBe(TRACEPARENT);
    expect(await logOf('both')).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', trace_format: 'w3c', b3_trace_id: '80f198ee56343ba864fe8b2a57d3eff7', b3_span_id: 'e457b5a2e4d86bd1',
    });
  });

  test('no or invalid trace headers: nulls in the log, nothing echoed', async () => {
    const r = await get('/api/info', { traceparent: '00-XYZ-00f067aa0ba902b7-01', 'x-b3-traceid': 'zz', 'x-request-id': 'none' });
    expect(r.headers.traceparent).toBeUndefined();
    expect(await logOf('none')).toMatchObject({ trace_id: null, span_id: null, trace_sampled: null, trace_format: null });
  });

  test('request ids: logged when well-formed, dropped otherwise', async () => {
    await get('/api/info', { 'x-request-id': 'not ok; spaces' });
    await get('/api/info', { 'x-request-id': 'ok-after' });
    await logOf('ok-after');
    expect(server.lines().some((l) => typeof l.request_id === 'string' && l.request_id.includes(' '))).toBe(false);
  });

  test('every stdout line is JSON, nothing on stderr', () => {
    expect(server.lines().filter((l) => l.unparsable !== undefined)).toEqual([]);
    expect(server.stderr()).toBe('');
  });
});

describe('settings and startup failures', () => {
  let server: ApiProcess | undefined;
  afterEach(async () => { await killApi(server); server = undefined; });

  test('APP_VERSION overrides package.json in /api/info', async () => {
    server = await startApi({ APP_VERSION: '2.3.4' });
    expect((await request(`${server.url}/api/info`)).json.version).toBe('2.3.4');
  });

  test('a bad setting: exit 2 with a JSON line naming the variable', async () => {
    const r = spawnSync(process.execPath, [SERVER], { env: { PORT: 'eighty' }, encoding: 'utf-8', timeout: 10000 });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ level: 'error', msg: 'bad configuration', error: 'PORT="eighty" is not valid: use a whole number from 0 to 65535' });
  });

  test('a port in use: exit 1 with a JSON line saying so', async () => {
    server = await startApi();
    const blocked = spawnSync(process.execPath, [SERVER], { env: { PORT: String(server.port), HOST: '127.0.0.1' }, encoding: 'utf-8', timeout: 10000 });
    expect(blocked.status).toBe(1);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ level: 'error', msg: 'cannot listen', port: server.port });
    expect(JSON.parse(blocked.stdout).error).toContain('EADDRINUSE');
  });
});

describe('graceful shutdown', () => {
  let server: ApiProcess | undefined;
  afterEach(async () => { await killApi(server); server = undefined; });

  test('SIGTERM with nothing in flight: exit 0 at once', async () => {
    server = await startApi();
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.lines().slice(-2)).toMatchObject([
      { level: 'info', msg: 'shutting down', signal: 'SIGTERM', timeout_ms: 10000 },
      { level: 'info', msg: 'stopped' },
    ]);
  });

  test('SIGTERM with idle keep-alive connections: they are closed, exit 0 without waiting for their timeout', async () => {
    server = await startApi();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
    try {
      await Promise.all([1, 2, 3].map(() => request(`${server!.url}/api/info`, { agent })));
      const sockets = Object.values(agent.freeSockets).flat() as net.Socket[];
      expect(sockets.length).toBeGreaterThan(0);
      const closed = Promise.all(sockets.map((s) => new Promise((r) => s.once('close', r))));
      const started = Date.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await closed;
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      agent.destroy();
    }
  });

  // API_TEST_DELAY_MS (tests only) holds every non-probe answer back, so a request is surely
  // in flight when SIGTERM comes.
  test('SIGTERM during a slow request: no new connections, the request finishes (Connection: close), then exit 0', async () => {
    server = await startApi({ API_TEST_DELAY_MS: '1500' });
    await server.waitForLine((l) => l.level === 'warn' && /API_TEST_DELAY_MS/.test(l.msg));
    const slow = request(`${server.url}/api/info`, { headers: { 'x-request-id': 'slow', traceparent: TRACEPARENT } });
    await server.waitForLine((l) => l.msg === 'test delay' && l.path === '/api/info');
    server.child.kill('SIGTERM');
    await server.waitForLine((l) => l.msg === 'shutting down');
    // Refused, or reset when it reached the closing listener's backlog: never answered.
    await expect(request(`${server.url}/api/healthz`)).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.json.service).toBe('api');
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers.traceparent).toBe(TRACEPARENT);
    expect(await server.exited).toBe(0);
    const tail = server.lines().slice(-4);
    expect(tail.map((l) => l.msg)).toEqual(['test delay', 'shutting down', 'request', 'stopped']);
    tail.shift();
    expect(tail[1]).toMatchObject({ path: '/api/info', status: 200, request_id: 'slow', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(tail[1].duration_ms).toBeGreaterThanOrEqual(1400);
  });

  test('draining: a request arriving on an open connection is answered, readiness says 503', async () => {
    server = await startApi({ API_TEST_DELAY_MS: '1000' });
    // A connection that has begun a request is not idle, so shutdown leaves it open.
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /api/readyz HTTP/1.1\r\nHost: api\r\n');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { answer += d; });
    const socketClosed = new Promise((r) => socket.once('close', r));
    // Sent after those bytes: once the server has this request, it has read them too.
    const slow = request(`${server.url}/api/info`);
    await server.waitForLine((l) => l.msg === 'test delay');
    server.child.kill('SIGTERM');
    await server.waitForLine((l) => l.msg === 'shutting down');
    socket.write('\r\n');
    await socketClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(answer.toLowerCase()).toContain('connection: close\r\n');
    expect(answer.endsWith('{"status":"shutting down"}')).toBe(true);
    expect((await slow).status).toBe(200);
    expect(await server.exited).toBe(0);
  });

  test('the bound: requests still open after SHUTDOWN_TIMEOUT_MS are cut, exit 1, said in the log', async () => {
    server = await startApi({ API_TEST_DELAY_MS: '10000', SHUTDOWN_TIMEOUT_MS: '500' });
    const slow = request(`${server.url}/api/info`).then(() => 'answered', (e: Error) => e.message);
    await server.waitForLine((l) => l.msg === 'test delay');
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await slow).toMatch(/socket hang up|ECONNRESET/);
    expect(server.lines().at(-1)).toMatchObject({ level: 'warn', msg: 'stopped: connections cut at the timeout' });
  });

  test('SIGINT drains the same way', async () => {
    server = await startApi();
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.lines().find((l) => l.msg === 'shutting down').signal).toBe('SIGINT');
  });
});

describe('the source', () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  /** Runs tsc; the output (the errors) on failure, '' when it passes. */
  const typeCheck = (args: string[]) => {
    try {
      execFileSync(process.execPath, [tsc, ...args], { cwd: ROOT, encoding: 'utf-8', stdio: 'pipe' });
      return '';
    } catch (e: any) {
      return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e);
    }
  };

  // Incremental, as the project's own type check: tsc keeps what it checked in build/tsc/ and
  // checks again what changed (a first run takes about ten seconds, a later one one or two).
  test('type-checks as strict JavaScript (tsc --checkJs --strict services/api/server.js)', () => {
    expect(typeCheck(['--noEmit', '--allowJs', '--checkJs', '--strict', '--target', 'es2022', '--module', 'commonjs', '--types', 'node',
      '--incremental', '--tsBuildInfoFile', 'build/tsc/api-server-strict.tsbuildinfo', 'services/api/server.js'])).toBe('');
  });

  test('and with services/api/tsconfig.json (unused locals and parameters too)', () => {
    expect(typeCheck(['-p', path.join(API_DIR, 'tsconfig.json')])).toBe('');
  });

  test('zero runtime dependencies: package.json declares none, the code loads only node: built-ins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(API_DIR, 'package.json'), 'utf-8'));
    expect(pkg).toMatchObject({ name: 'mincloud-api', version: VERSION, private: true });
    expect(VERSION).toBe(apiImage({}).tag); // the image tag names the API's own version
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(Object.keys(pkg.scripts).sort()).toEqual(expect.arrayContaining(['build', 'start']));
    const source = fs.readFileSync(SERVER, 'utf-8');
    const required = [...source.matchAll(/require\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(name.startsWith('node:')).toBe(true);
    // The one computed require: package.json next to the server, for the default version.
    expect([...source.matchAll(/require\(\s*[^'\s]/g)]).toHaveLength(1);
    expect(source).toContain("require(nodePath.join(__dirname, 'package.json'))");
    expect(source).not.toMatch(/\bimport\s/);
  });

  test('writes nothing: no file-system module in the code', () => {
    const source = fs.readFileSync(SERVER, 'utf-8');
    expect(source).not.toMatch(/node:fs|'fs'|writeFile|createWriteStream/);
  });

  test('image.env names the image the cdk8s app deploys', () => {
    const { IMAGE_REPOSITORY, IMAGE_TAG, PUSHED_IMAGE } = Object.fromEntries(fs.readFileSync(path.join(API_DIR, 'image.env'), 'utf-8').trim().split('\n').map((l) => l.split('=', 2)));
    // The tag, or the digest docker/push.sh recorded for it.
    expect(apiImage({}).toString()).toBe(PUSHED_IMAGE ?? `${IMAGE_REPOSITORY}:${IMAGE_TAG}`);
  });
});

// The API in this process: createServer() from services/api/server.js on 127.0.0.1, its log
// lines captured through the `log` option instead of stdout.
type ApiServer = http.Server & { shutdown(timeoutMs: number): Promise<{ forced: boolean }>; isShuttingDown(): boolean };
const { createServer } = require(SERVER) as {
  createServer(options?: { version?: string; log?: (line: Record<string, any>) => void; testDelayMs?: number; now?: () => Date }): ApiServer;
};

const HEADERS = { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' };

async function listen(options: Parameters<typeof createServer>[0] = {}) {
  const lines: Array<Record<string, any>> = [];
  const server = createServer({ log: (l) => lines.push(l), ...options });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, lines, url: `http://127.0.0.1:${port}`, port };
}

describe('createServer() in process', () => {
  let api: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => { api = await listen(); });
  afterAll(async () => { if (api.server.listening) await api.server.shutdown(1000); });
  const get = (p: string, headers: Record<string, string> = {}) => request(`${api.url}${p}`, { headers });

  test('an http.Server, not listening until told', () => {
    const s = createServer({ log: () => undefined });
    expect(s).toBeInstanceOf(http.Server);
    expect(s.listening).toBe(false);
    expect(s.isShuttingDown()).toBe(false);
  });

  test('every endpoint, its status, body and headers', async () => {
    const cases: Array<[string, number, unknown]> = [
      ['/api/healthz', 200, { status: 'ok' }],
      ['/api/readyz', 200, { status: 'ready' }],
      ['/api/greeting', 200, { greeting: 'Hello, world!' }],
      ['/api/greeting?name=Ada%20L.', 200, { greeting: 'Hello, Ada L.!' }],
      ['/api/greeting?name=a_b-c', 200, { greeting: 'Hello, a_b-c!' }],
      [`/api/greeting?name=${'x'.repeat(40)}`, 200, { greeting: `Hello, ${'x'.repeat(40)}!` }],
      [`/api/greeting?name=${'x'.repeat(41)}`, 400, { error: NAME_ERROR }],
      ['/api/greeting?name=', 400, { error: NAME_ERROR }],
      ['/api/greeting?name=%3Cb%3E', 400, { error: NAME_ERROR }],
      ['/', 404, { error: 'not found' }],
      ['/healthz', 404, { error: 'not found' }],
      ['/api/info/x', 404, { error: 'not found' }],
    ];
    for (const [p, status, body] of cases) {
      const r = await get(p);
      expect([p, r.status, r.json]).toEqual([p, status, body]);
      expect(r.headers).toMatchObject(HEADERS);
      expect(r.headers['x-powered-by']).toBeUndefined();
      expect(r.headers.server).toBeUndefined();
    }
  });

  test('/api/info: service, version (package.json), ISO time', async () => {
    const r = await get('/api/info');
    expect(r.json).toEqual({ service: 'api', version: VERSION, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    const other = await listen({ version: '9.9.9' });
    try {
      expect((await request(`${other.url}/api/info`)).json).toEqual({ service: 'api', version: '9.9.9', time: expect.any(String) });
    } finally {
      await other.server.shutdown(1000);
    }
  });

  test('405 with Allow: GET, HEAD for other methods, on any path; HEAD has no body', async () => {
    for (const [method, p] of [['POST', '/api/info'], ['PUT', '/api/greeting'], ['DELETE', '/nope'], ['OPTIONS', '/api/healthz']]) {
      const r = await request(`${api.url}${p}`, { method });
      expect([method, p, r.status, r.headers.allow, r.json]).toEqual([method, p, 405, 'GET, HEAD', { error: 'method not allowed' }]);
      expect(r.headers).toMatchObject(HEADERS);
    }
    const head = await request(`${api.url}/api/info`, { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([200, '']);
  });

  test('the log: one line per request with time, method, path, status, duration_ms, trace_id; probes not logged', async () => {
    const before = api.lines.length;
    await get('/api/healthz');
    await get('/api/readyz');
    await get('/api/greeting?name=Private', { traceparent: TRACEPARENT });
    const logged = api.lines.slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: 'GET', path: '/api/greeting', status: 200, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(Date.parse(logged[0].time)).toBeGreaterThan(0);
    expect(typeof logged[0].duration_ms).toBe('number');
    expect(JSON.stringify(logged)).not.toContain('Private');
  });

  test('traceparent: echoed back when valid, its trace id logged; invalid ones ignored', async () => {
    const ok = await get('/api/info', { traceparent: TRACEPARENT });
    expect(ok.headers.traceparent).toBe(TRACEPARENT);
    for (const bad of ['00-xyz-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', 'garbage']) {
      const before = api.lines.length;
      const r = await get('/api/info', { traceparent: bad });
      expect(r.headers.traceparent).toBeUndefined();
      expect(api.lines[before].trace_id).toBeNull();
    }
  });

  test('B3: multiple headers and the single b3 header give the trace id', async () => {
    let before = api.lines.length;
    await get('/api/info', { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1' });
    expect(api.lines[before]).toMatchObject({ trace_id: '80f198ee56343ba864fe8b2a57d3eff7', span_id: 'e457b5a2e4d86bd1', trace_sampled: true });
    before = api.lines.length;
    await get('/api/info', { b3: '463ac35c9f6413ad-0020000000000001-0' });
    expect(api.lines[before]).toMatchObject({ trace_id: '463ac35c9f6413ad', span_id: '0020000000000001', trace_sampled: false });
  });
});

describe('shutdown() in process', () => {
  test('readyz turns 503 while a request is in flight, idle keep-alive sockets close, then the server stops', async () => {
    const api = await listen({ testDelayMs: 800 });
    // An idle keep-alive connection, and one that has begun a readiness request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await request(`${api.url}/api/healthz`, { agent });
    const idle = (Object.values(agent.freeSockets).flat() as net.Socket[])[0];
    const idleClosed = new Promise((r) => idle.once('close', r));
    const probe = net.connect(api.port, '127.0.0.1');
    await new Promise((r) => probe.once('connect', r));
    probe.write('GET /api/readyz HTTP/1.1\r\nHost: api\r\n');
    let answer = '';
    probe.setEncoding('latin1');
    probe.on('data', (d: string) => { answer += d; });
    const probeClosed = new Promise((r) => probe.once('close', r));
    const slow = request(`${api.url}/api/info`);
    while (!api.lines.some((l) => l.msg === 'test delay')) await new Promise((r) => setTimeout(r, 10));

    const done = api.server.shutdown(5000);
    expect(api.server.isShuttingDown()).toBe(true);
    await idleClosed;
    probe.write('\r\n');
    await probeClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(answer.endsWith('{"status":"shutting down"}')).toBe(true);
    const r = await slow;
    expect([r.status, r.headers.connection]).toEqual([200, 'close']);
    expect(await done).toEqual({ forced: false });
    expect(api.server.listening).toBe(false);
    agent.destroy();
  });

  test('the bound: connections still open at the timeout are cut ({ forced: true })', async () => {
    const api = await listen({ testDelayMs: 5000 });
    const slow = request(`${api.url}/api/info`).then(() => 'answered', (e: Error) => e.message);
    while (!api.lines.some((l) => l.msg === 'test delay')) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    expect(await api.server.shutdown(300)).toEqual({ forced: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await slow).toMatch(/socket hang up|ECONNRESET/);
  });
});
