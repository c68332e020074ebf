import { spawn } from 'child_process';
import { execFileSync } from 'child_process';
import { AddressInfo } from 'net';
import * as path from 'path';
import { get } from '../image/support/nginx';

// The API is plain JavaScript (type-checked below); loaded as the image runs it.
const { createServer, traceId } = require('../../services/api/server.js');
const SERVER = path.join(__dirname, '..', '..', 'services', 'api', 'server.js');

describe('the API server', () => {
  const logs: any[] = [];
  let base: string;
  let api: { server: import('http').Server; shutdown: () => Promise<void> };
  beforeAll(async () => {
    api = createServer({ log: (l: object) => logs.push(l) });
    await new Promise<void>((r) => api.server.listen(18300, '127.0.0.1', r));
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await api.shutdown(); });

  const json = async (p: string, headers: Record<string, string> = {}) => {
    const r = await get(`${base}${p}`, headers);
    return { ...r, json: JSON.parse(r.body.toString()) };
  };

  test('health and readiness', async () => {
    expect((await json('/api/healthz')).json).toEqual({ status: 'ok' });
    expect((await json('/api/readyz')).json).toEqual({ status: 'ready' });
    expect((await json('/healthz')).status).toBe(200);
  });

  test('info names the service, version and host', async () => {
    const r = await json('/api/info');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ service: 'api', version: '1.0.0' });
    expect(new Date(r.json.time).getTime()).toBeGreaterThan(0);
  });

  test('greeting validates its parameter and says which rule broke', async () => {
    expect((await json('/api/greeting')).json).toEqual({ greeting: 'Hello, world!' });
    expect((await json('/api/greeting?name=Ada%20L.')).json).toEqual({ greeting: 'Hello, Ada L.!' });
    for (const bad of ['%3Cscript%3E', '', 'x'.repeat(41)]) {
      const r = await json(`/api/greeting?name=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json.error).toBe('invalid parameter "name": use 1-40 letters, digits, spaces, \'-\', \'_\' or \'.\'');
    }
  });

  test('security headers on every response, no version leaked', async () => {
    for (const p of ['/api/info', '/nope']) {
      const r = await get(`${base}${p}`);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(r.headers['x-powered-by']).toBeUndefined();
    }
  });

  test('404 and 405 with Allow', async () => {
    expect((await json('/api/missing')).status).toBe(404);
    const http = await import('http');
    const res = await new Promise<import('http').IncomingMessage>((resolve) => {
      const req = http.request(`${base}/api/info`, { method: 'POST' }, resolve);
      req.end();
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    res.resume();
  });

  test('trace context: traceparent echoed, trace ids from W3C and B3 logged', async () => {
    logs.length = 0;
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const r = await get(`${base}/api/info`, { traceparent: tp });
    expect(r.headers.traceparent).toBe(tp);
    await get(`${base}/api/info`, { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1' });
    await get(`${base}/api/info`, { b3: '463ac35c9f6413ad48485a3953bb6124-0020000000000001-1' });
    await get(`${base}/api/healthz`);
    expect(logs.map((l) => l.trace_id)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '80f198ee56343ba864fe8b2a57d3eff7', '463ac35c9f6413ad48485a3953bb6124']);
    expect(logs[0]).toMatchObject({ method: 'GET', path: '/api/info', status: 200 });
    expect(typeof logs[0].duration_ms).toBe('number');
    expect(traceId({ traceparent: 'garbage' })).toBeUndefined();
  });

  test('SIGTERM: not ready, then a clean exit 0', async () => {
    const child = spawn('node', [SERVER], { env: { ...process.env, PORT: '18301', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    for (let i = 0; i < 50 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
    expect((await get('http://127.0.0.1:18301/api/readyz')).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(out.trim().split('\n')[0]).msg).toMatch(/^api 1\.0\.0 listening on 127\.0\.0\.1:18301$/);
  });

  test('type-checks as strict JavaScript', () => {
    expect(() => execFileSync('npx', ['tsc', '--noEmit', '--allowJs', '--checkJs', '--strict', '--target', 'es2022', '--module', 'commonjs',
      '--types', 'node', '--skipLibCheck', '--resolveJsonModule', SERVER], { encoding: 'utf-8', stdio: 'pipe' })).not.toThrow();
  });
});
