import * as http from 'http';
import * as net from 'net';
import { AddressInfo } from 'net';
import { nginxApiProxy } from '../../lib/nginx-api-proxy';
import { get, NginxServer } from './support/nginx';

// The /api location the site gets in targets with the API: real nginx with the shipped config
// plus the generated include, in front of a stand-in upstream that records what it receives.
jest.setTimeout(30000);

describe('nginx proxies /api/ with trace headers', () => {
  let nginx: NginxServer;
  let upstream: http.Server;
  const seen: http.IncomingHttpHeaders[] = [];
  const paths: string[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      paths.push(req.url!);
      // The upstream's own copies of the site's headers, with other values: the site's win.
      res.writeHead(200, {
        'content-type': 'application/json', 'x-content-type-options': 'upstream', 'content-security-policy': "default-src 'none'",
        'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'unsafe-url', 'permissions-policy': 'camera=*',
        'cross-origin-opener-policy': 'unsafe-none', 'cross-origin-resource-policy': 'cross-origin',
        'strict-transport-security': 'max-age=1; includeSubDomains',
      });
      res.end(JSON.stringify({ service: 'api' }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    nginx = await NginxServer.start({ siteIncludes: { 'api-proxy.conf': nginxApiProxy(`http://127.0.0.1:${port}`) } });
  });
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => upstream?.close(r));
  });

  test('/api/ reaches the upstream with the path, and comes back with the site headers once', async () => {
    const res = await get(`${nginx.url}/api/info?x=1`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ service: 'api' });
    expect(paths[paths.length - 1]).toBe('/api/info?x=1');
    expect(res.headers).toMatchObject({
      'content-security-policy': expect.stringMatching(/^default-src 'self'/), 'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY', 'referrer-policy': 'strict-origin-when-cross-origin', 'permissions-policy': expect.stringMatching(/^accelerometer=\(\)/),
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin',
    });
  });

  test('a caller\'s traceparent and B3 headers are passed on unchanged', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await get(`${nginx.url}/api/info`, {
      traceparent, tracestate: 'vendor=1', 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1', b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
    });
    const h = seen[seen.length - 1];
    expect(h.traceparent).toBe(traceparent);
    expect(h.tracestate).toBe('vendor=1');
    expect(h['x-b3-traceid']).toBe('80f198ee56343ba864fe8b2a57d3eff7');
    expect(h['x-b3-spanid']).toBe('e457b5a2e4d86bd1');
    expect(h['x-b3-sampled']).toBe('1');
    expect(h.b3).toBe('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1');
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  test('without a traceparent nginx starts a trace from its request id', async () => {
    await get(`${nginx.url}/api/info`);
    const h = seen[seen.length - 1];
    expect(h.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect((h.traceparent as string).split('-')[1]).toBe(h['x-request-id']);
  });

  test('the access log names the X-Request-Id sent upstream', async () => {
    await get(`${nginx.url}/api/logged-id`);
    const sent = seen[seen.length - 1]['x-request-id'];
    expect(sent).toMatch(/^[0-9a-f]{32}$/);
    await nginx.logged('"uri":"/api/logged-id"');
    const line = nginx.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.uri === '/api/logged-id');
    expect(line.request_id).toBe(sent);
  });

  test('the upstream\'s Strict-Transport-Security is not passed on (the site decides HSTS)', async () => {
    const res = await get(`${nginx.url}/api/info`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('the rest of the site is unaffected', async () => {
    expect((await get(`${nginx.url}/`)).body.toString()).toContain('minCloud mini Project!!');
    expect((await get(`${nginx.url}/apiary`)).status).toBe(404);
  });

  test('the upstream gets the client\'s Host', async () => {
    await get(`${nginx.url}/api/info`, { host: 'www.mincloud.example.com' });
    expect(seen[seen.length - 1].host).toBe('www.mincloud.example.com');
  });

  test('bad upstreams are refused', () => {
    expect(() => nginxApiProxy('api:80')).toThrow('nginxApiProxy: invalid upstream "api:80": use http://<service>[:port]');
  });
});

// A Knative Service is reached through its networking layer's gateway, which routes by host
// name: the site must send the service's own name, not the client's.
describe('nginx proxies /api/ to a host-routed upstream (upstreamHost)', () => {
  let nginx: NginxServer;
  let upstream: http.Server;
  let port: number;
  const hosts: Array<string | undefined> = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      hosts.push(req.headers.host);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    nginx = await NginxServer.start({ siteIncludes: { 'api-proxy.conf': nginxApiProxy(`http://127.0.0.1:${port}`, '/api/', { upstreamHost: true }) } });
  });
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => upstream?.close(r));
  });

  test('the upstream gets its own name and port as Host, whatever the client sent', async () => {
    const res = await get(`${nginx.url}/api/info`, { host: 'www.mincloud.example.com' });
    expect(res.status).toBe(200);
    expect(hosts).toEqual([`127.0.0.1:${port}`]);
  });

  test('the generated location says so', () => {
    expect(nginxApiProxy('http://api.mincloud-preview.svc.cluster.local', '/api/', { upstreamHost: true }))
      .toContain('proxy_pass http://api.mincloud-preview.svc.cluster.local;\n  proxy_http_version 1.1;\n  proxy_set_header Connection "";\n  proxy_set_header Host $proxy_host;');
    expect(nginxApiProxy('http://api')).toContain('proxy_set_header Host $host;');
  });
});

// An upstream that never answers, and one whose answer is bigger than nginx's buffers, for a
// client that does not read: nginx gives up on the first, and keeps the second in memory.
describe('nginx proxies /api/ to a slow or large upstream', () => {
  let nginx: NginxServer;
  let upstream: http.Server;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      if (req.url === '/api/hang') {
        held.push(res); // never answered
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(8 * 1024 * 1024, 'x'));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    nginx = await NginxServer.start({ siteIncludes: { 'api-proxy.conf': nginxApiProxy(`http://127.0.0.1:${port}`) } });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await nginx?.stop();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  test('an upstream that never answers: 504 after 15 s (proxy_read_timeout)', async () => {
    const started = Date.now();
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${nginx.url}/api/hang`, { agent: false }, (r) => { r.resume(); resolve(r.statusCode!); });
      req.setTimeout(25000, () => req.destroy(new Error('no answer in 25 s')));
      req.on('error', reject);
    });
    expect(res).toBe(504);
    expect(Date.now() - started).toBeGreaterThan(14000);
    expect(Date.now() - started).toBeLessThan(17000);
  }, 30000);

  test('an answer bigger than the buffers, to a client that does not read, is never written to /tmp (proxy_max_temp_file_size 0)', async () => {
    const socket = net.connect({ port: nginx.opts.port, host: '127.0.0.1' });
    socket.on('error', () => { /* closed at the end */ });
    socket.once('data', () => socket.pause());
    socket.on('connect', () => socket.write('GET /api/big HTTP/1.1\r\nHost: site\r\n\r\n'));
    try {
      // nginx has read what its buffers and the sockets hold by now; a temp file would grow
      // meanwhile (unlinked at once, so it shows only as an open descriptor of a worker).
      let most = 0;
      for (let i = 0; i < 15; i++) {
        most = Math.max(most, ...nginx.openTempFiles().map((f) => f.bytes + 1), 0);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(most).toBe(0);
    } finally {
      socket.destroy();
    }
  });
});
