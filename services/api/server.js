// @ts-check
// The minCloud API: a small JSON service behind the site's /api path. Node built-ins only, so
// its image needs no package install; runs on Node 18 and 20; writes nothing to disk.
'use strict';

const http = require('node:http');
const os = require('node:os');

const VERSION = process.env.APP_VERSION || require('./package.json').version;
const NAME = /^[A-Za-z0-9 _.-]{1,40}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
const QUIET = new Set(['/api/healthz', '/api/readyz', '/healthz']);

/**
 * The trace id of a request, from W3C trace context or B3 (multi- or single-header).
 * @param {http.IncomingHttpHeaders} h
 * @returns {string | undefined}
 */
function traceId(h) {
  const tp = typeof h.traceparent === 'string' ? TRACEPARENT.exec(h.traceparent) : null;
  if (tp) return tp[1];
  if (typeof h['x-b3-traceid'] === 'string' && /^[0-9a-f]{16,32}$/.test(h['x-b3-traceid'])) return h['x-b3-traceid'];
  if (typeof h.b3 === 'string') {
    const id = h.b3.split('-')[0];
    if (/^[0-9a-f]{16,32}$/.test(id)) return id;
  }
  return undefined;
}

/**
 * @param {{ log?: (line: object) => void }} [options]
 */
function createServer(options = {}) {
  const log = options.log || ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  let shuttingDown = false;

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url || '/', 'http://localhost');
    /** @type {Record<string, string>} */
    const headers = { ...HEADERS };
    if (typeof req.headers.traceparent === 'string' && TRACEPARENT.test(req.headers.traceparent)) {
      headers.traceparent = req.headers.traceparent;
    }
    /** @param {number} status @param {object} body @param {Record<string, string>} [extra] */
    const send = (status, body, extra = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { ...headers, ...extra, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
      if (!QUIET.has(url.pathname)) {
        log({
          time: new Date().toISOString(), method: req.method, path: url.pathname, status,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6, trace_id: traceId(req.headers) || null,
        });
      }
    };

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    switch (url.pathname) {
      case '/healthz':
      case '/api/healthz':
        return send(200, { status: 'ok' });
      case '/api/readyz':
        return shuttingDown ? send(503, { status: 'shutting down' }) : send(200, { status: 'ready' });
      case '/api/info':
        return send(200, { service: 'api', version: VERSION, hostname: os.hostname(), time: new Date().toISOString() });
      case '/api/greeting': {
        const name = url.searchParams.has('name') ? url.searchParams.get('name') || '' : 'world';
        if (!NAME.test(name)) {
          return send(400, { error: 'invalid parameter "name": use 1-40 letters, digits, spaces, \'-\', \'_\' or \'.\'' });
        }
        return send(200, { greeting: `Hello, ${name}!` });
      }
      default:
        return send(404, { error: 'not found' });
    }
  });
  // Longer than the proxies' idle timeouts in front, so they close first.
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;

  /** Stops taking work: not ready, no new connections, idle ones closed, open requests finish. */
  function shutdown() {
    shuttingDown = true;
    return new Promise((resolve) => {
      server.close(() => resolve(undefined));
      const s = /** @type {{ closeIdleConnections?: () => void }} */ (/** @type {unknown} */ (server));
      if (typeof s.closeIdleConnections === 'function') s.closeIdleConnections();
    });
  }
  return { server, shutdown };
}

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  const host = process.env.HOST || '0.0.0.0';
  const { server, shutdown } = createServer();
  server.listen(port, host, () => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: `api ${VERSION} listening on ${host}:${port}` })}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      setTimeout(() => process.exit(1), 10000).unref();
      shutdown().then(() => process.exit(0));
    });
  }
}

module.exports = { createServer, traceId };
