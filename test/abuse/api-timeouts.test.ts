import { Api, holdConnection, ordinaryTraffic, startApi } from './support';

// The API's own timeouts against slow clients, on the real server (node services/api/server.js
// on 127.0.0.1, a port the OS picks): 408 within a second of the stated 10 s for headers, and a
// dripped body refused at once (413, never read), while an ordinary client is served. Every connection is bounded by the test too (maxMs).
jest.setTimeout(90000);

describe('the API and slow clients', () => {
  let directApi: Api;
  beforeAll(async () => { directApi = await startApi(); });
  afterAll(async () => { await directApi?.stop(); });

  test('the API: headers within 10 s, enforced within a second; a dripped body is refused at once, unread', async () => {
    const port = directApi.port;
    const slowHeaders = holdConnection(port, { first: 'GET /api/info HTTP/1.1\r\nHost: api\r\n', drip: 'X-Slow: 1\r\n', everyMs: 2000, maxMs: 60000 });
    const idle = holdConnection(port, { maxMs: 60000 });
    const slowBody = holdConnection(port, { first: 'POST /api/info HTTP/1.1\r\nHost: api\r\nContent-Length: 1000\r\n\r\n', drip: 'a', everyMs: 2000, maxMs: 60000 });
    const all = Promise.all([slowHeaders.closed, idle.closed, slowBody.closed]);
    const served = ordinaryTraffic(`${directApi.url}/api/info`, all, { pauseMs: 500 });

    const headers = await slowHeaders.closed;
    expect(headers.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(headers.afterMs).toBeGreaterThanOrEqual(9900);
    expect(headers.afterMs).toBeLessThan(11000);
    const nothing = await idle.closed;
    expect(nothing.afterMs).toBeLessThan(11000);
    const body = await slowBody.closed;
    expect(body.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(body.afterMs).toBeLessThan(5000);
    expect((await served).filter((s) => s !== 200)).toEqual([]);
  });
});
