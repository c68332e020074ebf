import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { freePort } from '../support/free-port';
import { get, NGINX, NginxServer, prepareSite, renderShippedConfig } from './support/nginx';

// The shipped docker/nginx.conf, run by Debian's real nginx as uid 10101 on 127.0.0.1.
const SECURITY_HEADERS = [
  'content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy',
  'cross-origin-opener-policy', 'cross-origin-resource-policy',
];
const SITE = path.join(__dirname, '..', '..', 'docker', 'site');
const css = fs.readdirSync(path.join(SITE, 'assets')).find((f) => f.endsWith('.css'))!;

jest.setTimeout(30000);

describe('docker/nginx.conf with the real nginx', () => {
  let nginx: NginxServer;
  beforeAll(async () => { nginx = await NginxServer.start(); });
  afterAll(async () => { await nginx?.stop(); });

  test('nginx -t accepts the shipped config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-t-'));
    try {
      fs.mkdirSync(path.join(dir, 'run'));
      fs.cpSync(path.join(__dirname, '..', '..', 'docker', 'mincloud'), path.join(dir, 'mincloud'), { recursive: true });
      fs.copyFileSync('/etc/nginx/mime.types', path.join(dir, 'mime.types'));
      fs.writeFileSync(path.join(dir, 'nginx.conf'), renderShippedConfig(dir, { port: await freePort(), statusPort: await freePort() }, prepareSite(dir)));
      // Through a real pipe: nginx opens /dev/stderr by path, which node's socket pipes refuse.
      const out = execFileSync('bash', ['-c', 'set -o pipefail; "$0" -t -p "$1" -c "$1/nginx.conf" 2>&1 | cat', NGINX, dir], { encoding: 'utf-8' });
      expect(out).toMatch(/syntax is ok/);
      expect(out).toMatch(/test is successful/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('master and workers run as uid/gid 10101', () => {
    const ids = nginx.processIds();
    const workers = Number(/^worker_processes (\d+);/m.exec(fs.readFileSync(path.join(__dirname, '..', '..', 'docker', 'nginx.conf'), 'utf-8'))![1]);
    expect(ids.length).toBe(1 + workers); // the master and its workers
    for (const pid of ids) {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
      expect(status).toMatch(/^Uid:\s+10101\s+10101\s+10101\s+10101$/m);
      expect(status).toMatch(/^Gid:\s+10101\s+10101\s+10101\s+10101$/m);
    }
  });

  test('/ serves the page with every security header, no-cache and no version', async () => {
    const res = await get(`${nginx.url}/`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('<h1>minCloud mini Project!!</h1>');
    for (const h of SECURITY_HEADERS) expect(res.headers[h]).toBeTruthy();
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.server).toBe('nginx');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  test('/healthz and /readyz answer 200', async () => {
    const health = await get(`${nginx.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body.toString()).toBe('ok\n');
    expect((await get(`${nginx.url}/readyz`)).status).toBe(200);
  });

  test('an unknown path gets the 404 page with the security headers', async () => {
    const res = await get(`${nginx.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toContain('<h1>Page not found</h1>');
    expect(res.body.toString()).toEqual(fs.readFileSync(path.join(SITE, '404.html'), 'utf-8'));
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    for (const h of SECURITY_HEADERS) expect(res.headers[h]).toBeTruthy();
    // The 404 page is only an error page: asked for by name, it is a 404 too.
    expect((await get(`${nginx.url}/404.html`)).status).toBe(404);
  });

  test('gzip when asked: the page, decompressing to the file, and plain without', async () => {
    const plain = fs.readFileSync(path.join(SITE, 'index.html'));
    const res = await get(`${nginx.url}/`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(zlib.gunzipSync(res.body)).toEqual(plain);
    expect(zlib.gunzipSync(res.body).toString()).toContain('<h1>minCloud mini Project!!</h1>');
    const identity = await get(`${nginx.url}/`);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body).toEqual(plain);
  });

  test('gzip_static: the precompressed CSS is sent as built (gzip -9 -n), byte for byte', async () => {
    const res = await get(`${nginx.url}/assets/${css}`, { 'Accept-Encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body).toEqual(fs.readFileSync(path.join(nginx.dir, 'html', 'assets', `${css}.gz`)));
    expect(zlib.gunzipSync(res.body)).toEqual(fs.readFileSync(path.join(SITE, 'assets', css)));
  });

  test('on-the-fly gzip for a file without a precompressed copy', async () => {
    const text = 'minCloud '.repeat(200);
    fs.writeFileSync(path.join(nginx.dir, 'html', 'late.txt'), text);
    fs.chmodSync(path.join(nginx.dir, 'html', 'late.txt'), 0o644);
    const res = await get(`${nginx.url}/late.txt`, { 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.length).toBeLessThan(text.length / 4);
    expect(zlib.gunzipSync(res.body).toString()).toBe(text);
  });

  test('every kind of response carries the security headers, errors included', async () => {
    const post = await new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      const req = http.request(`${nginx.url}/`, { method: 'POST', agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body }));
      });
      req.on('error', reject);
      req.end('x=1');
    });
    expect(post.status).toBe(405);
    expect(post.body).not.toMatch(/nginx\/\d/);
    const responses = [
      await get(`${nginx.url}/`), await get(`${nginx.url}/healthz`), await get(`${nginx.url}/assets/${css}`),
      await get(`${nginx.url}/assets/missing.0123456789.css`), await get(`${nginx.url}/missing`), await get(`${nginx.url}/404.html`),
      post,
    ];
    for (const res of responses) {
      for (const h of SECURITY_HEADERS) expect([res.status, h, res.headers[h]]).toEqual([res.status, h, expect.any(String)]);
      expect(res.headers.server).toBe('nginx');
    }
  });

  test('fingerprinted assets are cached for a year, immutable', async () => {
    const res = await get(`${nginx.url}/assets/${css}`);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const h of SECURITY_HEADERS) expect(res.headers[h]).toBeTruthy();
  });

  test('asset names carry their content hash (docker/fingerprint.sh was run)', () => {
    for (const file of fs.readdirSync(path.join(SITE, 'assets'))) {
      const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(SITE, 'assets', file))).digest('hex').slice(0, 10);
      expect(file).toMatch(new RegExp(`\\.${hash}\\.[a-z]+$`));
    }
    const html = fs.readFileSync(path.join(SITE, 'index.html'), 'utf-8');
    for (const ref of html.match(/\/assets\/[^"]+/g) ?? []) expect(fs.existsSync(path.join(SITE, ref))).toBe(true);
  });

  test('access log: one JSON line per request on stdout, none for health checks or stub_status', async () => {
    await get(`${nginx.url}/healthz`);
    await get(`${nginx.url}/readyz`);
    await get(`${nginx.statusUrl}/stub_status`);
    await get(`${nginx.url}/logged?x=1`, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'User-Agent': 'agent "quoted"' });
    await nginx.logged('"uri":"/logged?x=1"');
    const lines = nginx.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => ['/healthz', '/readyz', '/stub_status'].includes(l.uri))).toEqual([]);
    const logged = lines.find((l) => l.uri === '/logged?x=1');
    expect(logged).toMatchObject({
      method: 'GET', status: 404, protocol: 'HTTP/1.1', remote_addr: '127.0.0.1', user_agent: 'agent "quoted"',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    // No upstream, so no X-Request-Id was sent: the field is empty (the /api proxy's lines carry
    // it: test/image/api-proxy.test.ts).
    expect(logged.request_id).toBe('');
    // A request without a Referer logs an empty one, not "(invalid UTF-8)".
    expect(logged.referer).toBe('');
    expect(typeof logged.bytes).toBe('number');
    expect(logged.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    // Errors go to stderr, and there were none.
    expect(nginx.stderr).not.toMatch(/\[(emerg|alert|crit|error)\]/);
  });

  test('stub_status answers on its own port only', async () => {
    const status = await get(`${nginx.statusUrl}/stub_status`);
    expect(status.status).toBe(200);
    expect(status.body.toString()).toMatch(/Active connections: \d+/);
    const onSite = await get(`${nginx.url}/stub_status`);
    expect(onSite.status).toBe(404);
    expect(onSite.body.toString()).not.toMatch(/Active connections/);
  });
});
