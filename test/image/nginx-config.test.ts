import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { get, NGINX, NginxServer, prepareSite, renderShippedConfig } from './support/nginx';

// The shipped docker/nginx.conf, run by Debian's real nginx as uid 10101 on 127.0.0.1.
const SECURITY_HEADERS = [
  'content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy',
];
const SITE = path.join(__dirname, '..', '..', 'docker', 'site');
const css = fs.readdirSync(path.join(SITE, 'assets')).find((f) => f.endsWith('.css'))!;

jest.setTimeout(30000);

describe('docker/nginx.conf with the real nginx', () => {
  let nginx: NginxServer;
  beforeAll(async () => { nginx = await NginxServer.start({ port: 18080, statusPort: 18081 }); });
  afterAll(async () => { await nginx?.stop(); });

  test('nginx -t accepts the shipped config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-t-'));
    try {
      fs.mkdirSync(path.join(dir, 'run'));
      fs.cpSync(path.join(__dirname, '..', '..', 'docker', 'mincloud'), path.join(dir, 'mincloud'), { recursive: true });
      fs.copyFileSync('/etc/nginx/mime.types', path.join(dir, 'mime.types'));
      fs.writeFileSync(path.join(dir, 'nginx.conf'), renderShippedConfig(dir, { port: 18082, statusPort: 18083 }, prepareSite(dir)));
      // Through a real pipe: nginx opens /dev/stderr by path, which node's socket pipes refuse.
      const out = execFileSync('bash', ['-c', 'set -o pipefail; "$0" -t -p "$1" -c "$1/nginx.conf" 2>&1 | cat', NGINX, dir], { encoding: 'utf-8' });
      expect(out).toMatch(/syntax is ok/);
      expect(out).toMatch(/test is successful/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs as the non-root user', () => {
    const master = execFileSync('ps', ['-o', 'uid=', '-C', 'nginx'], { encoding: 'utf-8' }).trim().split(/\s+/);
    expect(master).toContain('10101');
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
    expect((await get(`${nginx.url}/healthz`)).status).toBe(200);
    expect((await get(`${nginx.url}/readyz`)).status).toBe(200);
  });

  test('an unknown path gets the 404 page with the security headers', async () => {
    const res = await get(`${nginx.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toContain('Page not found');
    for (const h of SECURITY_HEADERS) expect(res.headers[h]).toBeTruthy();
  });

  test('gzip when asked: precompressed CSS and on-the-fly, decompressing to the file', async () => {
    const plain = fs.readFileSync(path.join(SITE, 'assets', css));
    const res = await get(`${nginx.url}/assets/${css}`, { 'Accept-Encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(zlib.gunzipSync(res.body)).toEqual(plain);
    const identity = await get(`${nginx.url}/assets/${css}`);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body).toEqual(plain);
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

  test('access log: one JSON line per request on stdout, none for health checks', async () => {
    await get(`${nginx.url}/healthz`);
    await get(`${nginx.url}/logged?x=1`, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await nginx.flushLogs();
    const lines = nginx.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.uri === '/healthz')).toBe(false);
    const logged = lines.find((l) => l.uri === '/logged?x=1');
    expect(logged).toMatchObject({ method: 'GET', status: 404, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(logged.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  test('stub_status answers on its own port only', async () => {
    const status = await get(`http://127.0.0.1:18081/stub_status`);
    expect(status.status).toBe(200);
    expect(status.body.toString()).toMatch(/Active connections: \d+/);
    expect((await get(`${nginx.url}/stub_status`)).status).toBe(404);
  });
});
