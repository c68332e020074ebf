import { Api, holdConnection, ordinaryTraffic, startSiteWithApi } from './support';
import { NginxServer } from '../image/support/nginx';

// Slow clients against the real nginx (shipped config, /api proxy to the real API); the API's
// own timeouts are in api-timeouts.test.ts (a file of its own, so the two run side by side). Each kind of slow connection must be closed close to its stated timeout, while an
// ordinary client from another address keeps being served. Every connection is bounded by the
// test too (maxMs), so a limit that does not hold fails the test instead of hanging it.
jest.setTimeout(90000);

describe('slow clients', () => {
  let nginx: NginxServer;
  let api: Api;
  beforeAll(async () => { ({ nginx, api } = await startSiteWithApi()); });
  afterAll(async () => {
    await nginx?.stop();
    await api?.stop();
  });

  test('nginx closes slow headers, idle connections and dripped bodies within about 10 s, and serves others meanwhile', async () => {
    const port = nginx.opts.port;
    const attacks = {
      // slowloris: a header line every 2 s, never the blank line that ends them
      slowHeaders: holdConnection(port, { first: 'GET / HTTP/1.1\r\nHost: site\r\n', drip: 'X-Slow: 1\r\n', everyMs: 2000, maxMs: 30000 }),
      // connects and says nothing
      idle: holdConnection(port, { maxMs: 30000 }),
      // a body to the API proxy, one byte every 5 s
      apiBody: holdConnection(port, { first: 'POST /api/x HTTP/1.1\r\nHost: site\r\nContent-Length: 1000\r\n\r\n', drip: 'a', everyMs: 5000, maxMs: 30000 }),
      // the same to the static site
      siteBody: holdConnection(port, { first: 'POST / HTTP/1.1\r\nHost: site\r\nContent-Length: 1000\r\n\r\n', drip: 'a', everyMs: 5000, maxMs: 30000 }),
    };
    const all = Promise.all(Object.values(attacks).map((a) => a.closed));
    const served = ordinaryTraffic(`${nginx.url}/`, all, { pauseMs: 250 });
    const closed = Object.fromEntries(await Promise.all(Object.entries(attacks).map(async ([name, a]) => [name, await a.closed])));

    // client_header_timeout 10s (the idle one too); bodies: refused (405) at once, then read
    // and thrown away for at most lingering_time 10s (+ one lingering_timeout read of 5 s).
    expect(closed.slowHeaders.afterMs).toBeLessThan(12000);
    expect(closed.idle.afterMs).toBeLessThan(12000);
    expect(closed.apiBody.afterMs).toBeLessThan(17000);
    expect(closed.siteBody.afterMs).toBeLessThan(17000);
    expect(closed.apiBody.received).toMatch(/^HTTP\/1\.1 405 /);
    expect(closed.siteBody.received).toMatch(/^HTTP\/1\.1 405 /);
    const statuses = await served;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
