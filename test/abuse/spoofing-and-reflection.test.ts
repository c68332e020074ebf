import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { nginxApiProxy } from '../../lib/nginx-api-proxy';
import { nginxRealIp } from '../../lib/nginx-real-ip';
import { NginxServer } from '../image/support/nginx';
import { Api, ATTACKER, holdConnection, ORDINARY, repeatedHeaders, request, startApi, startNginx, useSiteWithApi } from './support';

// What a client sends that should not come back, be believed, or be served: reflected trace
// headers, spoofed forwarding and trace headers, Host headers in redirects, dotfiles, range
// abuse and bytes that break JSON log lines. Real nginx with the shipped config, the real API.
jest.setTimeout(30000);

const EVIL_TRACEPARENT = '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-<svg onload=alert(1)> any text';
const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('reflection and what nginx serves', () => {
  const site = useSiteWithApi();

  test('a traceparent with markup is not echoed, by the API or through nginx; a valid one comes back canonical', async () => {
    const direct = await request(`${site.api.url}/api/info`, { headers: { traceparent: EVIL_TRACEPARENT } });
    expect(direct.status).toBe(200);
    // Version 01 may carry more fields; its first four are parsed, the rest never repeated.
    expect(direct.headers.traceparent).toBe(VALID);
    expect(JSON.stringify(direct.headers)).not.toMatch(/svg|alert|any text/);
    const proxied = await request(`${site.nginx.url}/api/info`, { headers: { traceparent: EVIL_TRACEPARENT } });
    expect(proxied.status).toBe(200);
    expect(JSON.stringify(proxied.headers)).not.toMatch(/svg|alert|any text/);
    // nginx dropped it and started a trace of its own, which the API names.
    expect(proxied.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(proxied.headers.traceparent).not.toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect((await request(`${site.api.url}/api/info`, { headers: { traceparent: `${VALID.slice(0, -2)}03` } })).headers.traceparent).toBe(VALID);
  });

  test('a traceparent of 6 KB: no 502, not echoed', async () => {
    const big = `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${'x'.repeat(6000)}`;
    const res = await request(`${site.nginx.url}/api/info`, { headers: { traceparent: big } });
    expect(res.status).toBe(200);
    expect(res.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('a Host header is never put in a redirect: Location is a path', async () => {
    const res = await request(`${site.nginx.url}/assets`, { headers: { Host: 'evil.example' } });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/assets/');
  });

  test('dotfiles and backup files in the web root are 404 with the usual headers, the page still 200', async () => {
    const web = path.join(site.nginx.dir, 'html');
    const planted = ['.git/config', '.env', '.htaccess', 'assets/.secret', 'index.html~', 'index.html.bak', 'config.php.orig', '.index.html.swp'];
    for (const file of planted) {
      fs.mkdirSync(path.dirname(path.join(web, file)), { recursive: true });
      fs.writeFileSync(path.join(web, file), 'SECRET=1\n');
    }
    execChmod(web);
    for (const file of [...planted, '%2egit/config', '.git/']) {
      const res = await request(`${site.nginx.url}/${file}`);
      expect([file, res.status]).toEqual([file, 404]);
      expect(res.body).not.toContain('SECRET');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect((await request(`${site.nginx.url}/`)).status).toBe(200);
  });

  test('no byte ranges: many ranges, one range or an unsatisfiable one all get the plain 200, each header once', async () => {
    const page = fs.readFileSync(path.join(site.nginx.dir, 'html', 'index.html'), 'utf-8');
    // Ranges that do not overlap (nginx would answer overlapping ones with the whole file
    // anyway): without max_ranges, a 206 of one part per range, each with its own headers.
    const many = `bytes=${Array.from({ length: 400 }, (_, i) => `${i * 5}-${i * 5}`).join(',')}`;
    expect(many.length).toBeGreaterThan(2000);
    for (const range of [many, 'bytes=0-0,10-10', 'bytes=0-9', 'bytes=999999-']) {
      const res = await request(`${site.nginx.url}/`, { headers: { Range: range } });
      expect([range.slice(0, 20), res.status, res.body.length]).toEqual([range.slice(0, 20), 200, page.length]);
      expect(res.headers['accept-ranges']).toBeUndefined();
      expect(repeatedHeaders(res)).toEqual([]);
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'self'/);
    }
  });

  test('each header once on every status: 200, 301, 404, 405, 413, 429, /api/ answers', async () => {
    const answers = [
      await request(`${site.nginx.url}/`), await request(`${site.nginx.url}/`, { headers: { Range: 'bytes=0-1' } }),
      await request(`${site.nginx.url}/assets`), await request(`${site.nginx.url}/missing`), await request(`${site.nginx.url}/.env`),
      await request(`${site.nginx.url}/`, { method: 'POST', body: 'x=1' }),
      await request(`${site.nginx.url}/`, { method: 'POST', body: 'x'.repeat(20000) }),
      await request(`${site.nginx.url}/`, { headers: { Range: 'bytes=999999-' } }),
      await request(`${site.nginx.url}/api/info`), await request(`${site.nginx.url}/api/missing`),
      await request(`${site.nginx.url}/api/info`, { method: 'DELETE' }),
    ];
    // and a 429: past /api/'s burst from one address
    let limited;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await request(`${site.nginx.url}/api/healthz`, { from: ATTACKER });
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    answers.push(limited!);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 301, 404, 404, 405, 413, 200, 200, 404, 405, 429]);
    for (const a of answers) {
      expect([a.status, repeatedHeaders(a)]).toEqual([a.status, []]);
      expect([a.status, a.headers['x-content-type-options']]).toEqual([a.status, 'nosniff']);
    }
  });

  test('access log: every line is valid UTF-8 JSON, whatever bytes a client sends in Referer, User-Agent or the path', async () => {
    // Raw bytes that are not UTF-8 (0xff, a cut 3-byte character), sent as they are.
    const bad = Buffer.concat([Buffer.from('GET /logged-\xe2\x82 HTTP/1.1\r\nHost: site\r\nReferer: http://x/\xff\xfe', 'latin1'),
      Buffer.from('\r\nUser-Agent: agent \xc3\x28\r\nConnection: close\r\n\r\n', 'latin1')]);
    const conn = holdConnection(site.nginx.opts.port, { from: ORDINARY, maxMs: 5000 });
    conn.socket.on('connect', () => conn.socket.write(bad));
    expect((await conn.closed).received).toMatch(/^HTTP\/1\.1 404 /);
    // Valid UTF-8 is kept as it is (raw too: node's client sends header values as Latin-1).
    const good = holdConnection(site.nginx.opts.port, { from: ORDINARY, maxMs: 5000 });
    good.socket.on('connect', () => good.socket.write(Buffer.from('GET /logged-ok HTTP/1.1\r\nHost: site\r\nReferer: https://例え.jp/ページ\r\nUser-Agent: quote " and \\ backslash\r\nConnection: close\r\n\r\n', 'utf-8')));
    expect((await good.closed).received).toMatch(/^HTTP\/1\.1 404 /);
    // Trace ids are logged only when well-formed.
    await request(`${site.nginx.url}/logged-trace`, { from: ORDINARY, headers: { traceparent: EVIL_TRACEPARENT, 'X-B3-TraceId': '"},{"evil":1' } });
    // No Referer and no User-Agent at all: logged as empty, not as "(invalid UTF-8)".
    const none = holdConnection(site.nginx.opts.port, { from: ORDINARY, maxMs: 5000 });
    none.socket.on('connect', () => none.socket.write('GET /logged-bare HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n'));
    expect((await none.closed).received).toMatch(/^HTTP\/1\.1 404 /);
    await site.nginx.logged('"uri":"/logged-bare"');
    const bytes = fs.readFileSync(path.join(site.nginx.dir, 'stdout.log'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).not.toThrow();
    const lines = bytes.toString('utf-8').trim().split('\n').map((l) => JSON.parse(l));
    const badLine = lines.find((l) => l.uri === '(invalid UTF-8)');
    expect(badLine).toMatchObject({ referer: '(invalid UTF-8)', user_agent: '(invalid UTF-8)', status: 404 });
    expect(lines.find((l) => l.uri === '/logged-ok')).toMatchObject({ referer: 'https://例え.jp/ページ', user_agent: 'quote " and \\ backslash' });
    expect(lines.find((l) => l.uri === '/logged-bare')).toMatchObject({ referer: '', user_agent: '' });
    expect(lines.find((l) => l.uri === '/logged-trace')).toMatchObject({ traceparent: '', b3_trace_id: '' });
  });
});

function execChmod(dir: string): void {
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    fs.chmodSync(path.join(entry.parentPath ?? (entry as any).path, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

describe('the /api proxy and spoofed headers', () => {
  let nginx: NginxServer;
  let upstream: http.Server;
  const seen: http.IncomingHttpHeaders[] = [];
  // A recording upstream (what the API would receive), behind the generated proxy; the
  // "ingress" at 127.0.0.4 is trusted with set_real_ip_from, as a deployment would trust its
  // ingress controller's pods.
  const INGRESS = '127.0.0.4';
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    nginx = await startNginx({
      siteIncludes: { 'api-proxy.conf': nginxApiProxy(`http://127.0.0.1:${port}`) },
      httpIncludes: { 'real-ip.conf': nginxRealIp([INGRESS]) },
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => upstream?.close(r));
  });
  const last = () => seen[seen.length - 1];

  test('a client\'s forwarding headers are not believed: X-Forwarded-For is its address, the others are removed', async () => {
    await request(`${nginx.url}/api/info`, {
      from: ATTACKER,
      headers: {
        'X-Forwarded-For': '6.6.6.6', Forwarded: 'for=6.6.6.6;proto=https', 'X-Real-IP': '6.6.6.6',
        'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '443',
      },
    });
    const h = last();
    expect(h['x-forwarded-for']).toBe(ATTACKER);
    expect(h['x-forwarded-proto']).toBe('http');
    for (const name of ['forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-port']) expect([name, h[name]]).toEqual([name, undefined]);
  });

  test('other names for the client address and path overrides do not reach the API', async () => {
    const claimed = {
      'X-Client-IP': '6.6.6.6', 'True-Client-IP': '6.6.6.6', 'CF-Connecting-IP': '6.6.6.6',
      'X-Original-URL': '/admin', 'X-Rewrite-URL': '/admin', 'X-Forwarded-Prefix': '/admin',
    };
    for (const from of [ATTACKER, INGRESS]) {
      await request(`${nginx.url}/api/info`, { from, headers: claimed });
      const h = last();
      for (const name of Object.keys(claimed)) expect([from, name, h[name.toLowerCase()]]).toEqual([from, name, undefined]);
    }
  });

  test('behind the trusted ingress: the client address from its X-Forwarded-For, and https from its X-Forwarded-Proto', async () => {
    await request(`${nginx.url}/api/info`, { from: INGRESS, headers: { 'X-Forwarded-For': '6.6.6.6, 203.0.113.7', 'X-Forwarded-Proto': 'https' } });
    expect(last()['x-forwarded-for']).toBe('203.0.113.7');
    expect(last()['x-forwarded-proto']).toBe('https');
    await nginx.logged('"remote_addr":"203.0.113.7"');
  });

  test('a chain of trusted proxies: the client is the last address that is not one of them', async () => {
    await request(`${nginx.url}/api/info`, { from: INGRESS, headers: { 'X-Forwarded-For': '6.6.6.6, 203.0.113.8, 127.0.0.4' } });
    expect(last()['x-forwarded-for']).toBe('203.0.113.8');
  });

  test('HSTS: sent when the trusted proxy says the request came over TLS, on every kind of answer, once', async () => {
    const https = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' };
    for (const target of ['/', '/assets/', '/missing', '/.env', '/api/info', '/healthz']) {
      const res = await request(`${nginx.url}${target}`, { from: INGRESS, headers: https });
      expect([target, res.headers['strict-transport-security']]).toEqual([target, 'max-age=31536000']);
      expect([target, repeatedHeaders(res)]).toEqual([target, []]);
    }
    const refused = await request(`${nginx.url}/`, { from: INGRESS, method: 'POST', body: 'x', headers: https });
    expect([refused.status, refused.headers['strict-transport-security']]).toEqual([405, 'max-age=31536000']);
  });

  test('HSTS: never over plain HTTP, and never because a client says https', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      [INGRESS, { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'http' }],
      [INGRESS, { 'X-Forwarded-For': '203.0.113.9' }],
      [ATTACKER, { 'X-Forwarded-Proto': 'https' }],
      [ATTACKER, { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' }],
      [ATTACKER, {}],
    ];
    for (const [from, headers] of cases) {
      for (const target of ['/', '/api/info']) {
        const res = await request(`${nginx.url}${target}`, { from, headers });
        expect([from, headers, target, res.status, res.headers['strict-transport-security']]).toEqual([from, headers, target, 200, undefined]);
      }
    }
  });

  test('trace headers: malformed ones dropped (a fresh trace instead), well-formed ones passed, uber-trace-id never', async () => {
    await request(`${nginx.url}/api/info`, {
      headers: {
        traceparent: EVIL_TRACEPARENT, tracestate: 'vendor=1', b3: 'nonsense-<x>', 'X-B3-TraceId': 'zz', 'X-B3-SpanId': '1234',
        'X-B3-ParentSpanId': 'x', 'X-B3-Sampled': 'yes please', 'X-B3-Flags': '7', 'uber-trace-id': 'abc:def:0:1',
      },
    });
    let h = last();
    expect(h.traceparent).toMatch(/^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/);
    expect(h.traceparent!.slice(3, 35)).toBe(h['x-request-id']);
    for (const name of ['tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'uber-trace-id']) {
      expect([name, h[name]]).toEqual([name, undefined]);
    }
    await request(`${nginx.url}/api/info`, {
      headers: {
        traceparent: VALID, tracestate: 'vendor=1', b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
        'X-B3-TraceId': '80f198ee56343ba864fe8b2a57d3eff7', 'X-B3-SpanId': 'e457b5a2e4d86bd1', 'X-B3-Sampled': '1', 'X-B3-Flags': '1',
        'uber-trace-id': 'abc:def:0:1',
      },
    });
    h = last();
    expect(h).toMatchObject({
      traceparent: VALID, tracestate: 'vendor=1', b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1', 'x-b3-flags': '1',
    });
    expect(h['uber-trace-id']).toBeUndefined();
  });

  test('only GET and HEAD reach the upstream', async () => {
    const before = seen.length;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await request(`${nginx.url}/api/info`, { method, body: 'x' })).status).toBe(405);
    }
    expect(seen.length).toBe(before);
    expect((await request(`${nginx.url}/api/info`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('the API alone', () => {
  let api: Api;
  beforeAll(async () => { api = await startApi(); });
  afterAll(async () => { await api?.stop(); });
  test('an ordinary client is answered with the canonical traceparent only', async () => {
    const res = await request(`${api.url}/api/info`, { from: ORDINARY, headers: { traceparent: `  ${VALID}  ` } });
    expect(res.headers.traceparent).toBe(VALID);
  });
});
