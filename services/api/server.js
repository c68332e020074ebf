// @ts-check
// The minCloud API: a small JSON service behind the site's /api path.
//
// Node.js built-ins only, so its image needs no package install. Runs on Node 18 (Debian
// bookworm's, the offline test base) and later; the image's base is Node 22. Writes nothing to
// disk: the pod's root filesystem is read-only.
// Type-checked as strict JavaScript, from the repository root:
//   npx tsc --noEmit --allowJs --checkJs --strict --target es2022 --module commonjs --types node services/api/server.js
'use strict';

const http = require('node:http');
const nodePath = require('node:path');

const SERVICE = 'api';
/** The default version in /api/info: package.json's, next to this file (also in the image). */
// A computed path: tsc checks it without resolveJsonModule, Node loads it the same.
const PACKAGE_VERSION = /** @type {{ version: string }} */ (require(nodePath.join(__dirname, 'package.json'))).version;

/** Response headers on every answer, errors included. No `Server` header is sent. */
const SECURITY_HEADERS = Object.freeze({
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
});
const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOWED_METHODS = 'GET, HEAD';

/** Probe paths: answered, never logged (the kubelet calls them every few seconds). */
const PROBE_PATHS = new Set(['/api/healthz', '/api/readyz']);

/** The `name` parameter of /api/greeting. */
const NAME_MAX_LENGTH = 40;
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N} ._-]+$/u;
/** The one error text for every invalid `name`. */
const NAME_ERROR = `invalid parameter "name": use 1-${NAME_MAX_LENGTH} letters, digits, spaces, '-', '_' or '.'`;

// W3C trace context (https://www.w3.org/TR/trace-context/): version 00 exactly, later
// versions by their first four fields; lower-case hex only; ids not all zeros.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
// B3 (https://github.com/openzipkin/b3-propagation): 64- or 128-bit trace ids, 64-bit span ids.
const B3_TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const B3_SPAN_ID = /^[0-9a-f]{16}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LOGGED_PATH = 256;

/** Whole request headers must arrive within this long of a request's first byte (or of the connection). */
const HEADERS_TIMEOUT_MS = 10000;
/** A whole request, body included, must arrive within this long. */
const REQUEST_TIMEOUT_MS = 30000;
/** How often Node checks the two timeouts above. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 500;
/** Open connections at most; more are closed as they arrive. Measured in README.md. */
const MAX_CONNECTIONS = 256;
/**
 * Open connections from one client address at most, well below MAX_CONNECTIONS: one address
 * cannot take every slot and lock the others out. 0: no per-address cap.
 */
const MAX_CONNECTIONS_PER_ADDRESS = 16;
/** Requests on one connection at most; the last one is answered with `Connection: close`. */
const MAX_REQUESTS_PER_CONNECTION = 1000;
/**
 * After refusing a body, how long the connection stays half-closed, unread, before it is cut:
 * time for the client to read the answer before a reset could make its system discard it.
 */
const REFUSED_BODY_LINGER_MS = 1000;
/** Per-address refusals are logged at most this often (a flood of them is one line a second). */
const REFUSAL_LOG_INTERVAL_MS = 1000;

/**
 * @typedef {object} TraceContext
 * @property {'w3c' | 'b3' | 'b3-single'} format where the ids came from
 * @property {string | null} traceId
 * @property {string | null} spanId the caller's span, the parent of this request's work
 * @property {boolean | null} sampled null when the caller left the decision open
 */

/**
 * @param {string | string[] | undefined} value
 * @returns {string | undefined} the header when it was sent exactly once
 */
function single(value) {
  return typeof value === 'string' ? value : undefined;
}

/** @param {string} hex */
function allZeros(hex) {
  return /^0+$/.test(hex);
}

/**
 * Parses a W3C `traceparent` header.
 * @param {string | undefined} value
 * @returns {TraceContext | null} null when absent or invalid (then it is ignored, as the spec says)
 */
function parseTraceparent(value) {
  if (value === undefined) return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (allZeros(traceId) || allZeros(spanId)) return null;
  return { format: 'w3c', traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/**
 * The canonical `traceparent` of a parsed W3C context: version 00, the ids, and the sampled
 * flag (the only flag version 00 defines). Whatever else the caller sent is not repeated.
 * @param {TraceContext} trace
 */
function formatTraceparent(trace) {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/**
 * Parses the single `b3` header: `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`, or
 * a sampling state alone (`0`, `1`, `d`).
 * @param {string | undefined} value
 * @returns {TraceContext | null}
 */
function parseB3Single(value) {
  if (value === undefined) return null;
  const parts = value.trim().split('-');
  const sampling = (/** @type {string | undefined} */ s) => (s === undefined ? null : s === '1' || s === 'd' ? true : s === '0' ? false : undefined);
  if (parts.length === 1) {
    const sampled = sampling(parts[0]);
    return sampled === undefined || sampled === null ? null : { format: 'b3-single', traceId: null, spanId: null, sampled };
  }
  if (parts.length > 4) return null;
  const [traceId, spanId, state, parent] = parts;
  if (!B3_TRACE_ID.test(traceId) || !B3_SPAN_ID.test(spanId)) return null;
  if (parent !== undefined && !B3_SPAN_ID.test(parent)) return null;
  const sampled = sampling(state);
  if (sampled === undefined) return null;
  return { format: 'b3-single', traceId, spanId, sampled };
}

/**
 * Parses the multi-header B3 form (`X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled`, `X-B3-Flags`).
 * @param {http.IncomingHttpHeaders} headers
 * @returns {TraceContext | null}
 */
function parseB3Multi(headers) {
  const traceId = single(headers['x-b3-traceid']);
  const spanId = single(headers['x-b3-spanid']);
  const sampledHeader = single(headers['x-b3-sampled']);
  const debug = single(headers['x-b3-flags']) === '1';
  /** @type {boolean | null} */
  let sampled = null;
  if (debug || sampledHeader === '1' || sampledHeader === 'true') sampled = true;
  else if (sampledHeader === '0' || sampledHeader === 'false') sampled = false;
  if (traceId === undefined || spanId === undefined) {
    // A sampling decision on its own is valid B3; ids without their partner are not.
    return traceId === undefined && spanId === undefined && sampled !== null
      ? { format: 'b3', traceId: null, spanId: null, sampled }
      : null;
  }
  if (!B3_TRACE_ID.test(traceId) || !B3_SPAN_ID.test(spanId)) return null;
  return { format: 'b3', traceId, spanId, sampled };
}

/**
 * The trace context of a request: W3C `traceparent` first, then single-header `b3`, then the
 * `X-B3-*` headers (single `b3` wins over multi, as B3 specifies).
 * @param {http.IncomingHttpHeaders} headers
 * @returns {{ w3c: TraceContext | null, b3: TraceContext | null, primary: TraceContext | null }}
 */
function parseTraceContext(headers) {
  const w3c = parseTraceparent(single(headers.traceparent));
  const b3 = parseB3Single(single(headers.b3)) || parseB3Multi(headers);
  return { w3c, b3, primary: w3c || b3 };
}

/**
 * The log fields of a request's trace context.
 * @param {ReturnType<typeof parseTraceContext>} trace
 * @returns {Record<string, string | boolean | null>}
 */
function traceLogFields(trace) {
  const p = trace.primary;
  /** @type {Record<string, string | boolean | null>} */
  const fields = {
    trace_id: p ? p.traceId : null,
    span_id: p ? p.spanId : null,
    trace_sampled: p ? p.sampled : null,
    trace_format: p ? p.format : null,
  };
  // Both sent and different (e.g. a mesh's B3 next to a proxy's traceparent): keep both.
  if (trace.w3c && trace.b3 && trace.b3.traceId && trace.b3.traceId !== trace.w3c.traceId) {
    fields.b3_trace_id = trace.b3.traceId;
    fields.b3_span_id = trace.b3.spanId;
  }
  return fields;
}

/**
 * Validates the `name` parameter of /api/greeting: absent means "world"; otherwise exactly one
 * value of 1-40 characters (counted as code points), each a letter, digit, space, '-', '_' or '.'.
 * @param {string[]} values every `name` in the query string
 * @returns {{ ok: true, name: string } | { ok: false, rule: string, message: string }}
 */
function validateName(values) {
  if (values.length === 0) return { ok: true, name: 'world' };
  const fail = (/** @type {string} */ rule) => /** @type {const} */ ({ ok: false, rule, message: NAME_ERROR });
  if (values.length > 1) return fail('single');
  const name = values[0].normalize('NFC');
  const length = Array.from(name).length;
  if (length < 1) return fail('not_empty');
  if (length > NAME_MAX_LENGTH) return fail('max_length');
  if (!NAME_CHARACTERS.test(name)) return fail('allowed_characters');
  return { ok: true, name };
}

/**
 * The path and query of a request target. Origin-form (`/path?query`) and absolute-form
 * (`http://host/path`, which proxies may send); anything else is not for this server.
 * @param {string} target
 * @returns {{ path: string, query: URLSearchParams } | null}
 */
function parseTarget(target) {
  if (target.startsWith('/')) {
    const q = target.indexOf('?');
    return q === -1
      ? { path: target, query: new URLSearchParams() }
      : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
  }
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return { path: url.pathname, query: url.searchParams };
    } catch {
      return null;
    }
  }
  return null;
}

/** The one answer to a request that announces a body. */
const BODY_ERROR = 'request body not accepted: this API takes none; send GET or HEAD without a body';

/**
 * Whether a request announces a body: a Content-Length above 0 or any Transfer-Encoding.
 * @param {http.IncomingMessage} req
 */
function announcesBody(req) {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && !/^0+$/.test(length);
}

/**
 * How Node closes `socket` after its last answer, changed for a refused body: instead of closing
 * at once (with the client's unread body in the buffers, that sends a reset, which can make the
 * client's system drop the answer before it is read), the server's side is closed after the
 * answer (FIN), nothing more is read, and the connection is cut REFUSED_BODY_LINGER_MS later.
 * @param {import('node:net').Socket} socket
 */
function closeUnread(socket) {
  socket.destroySoon = () => {
    socket.end();
    // After Node's own resume of the request (scheduled on the next tick), which would read on.
    setImmediate(() => socket.pause());
    const timer = setTimeout(() => socket.destroy(), REFUSED_BODY_LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/**
 * Closes a new connection at once when its address already holds `cap` open ones, so one
 * address cannot take the slots under `server.maxConnections` that every other client needs.
 * Refusals are reported through `report` at most once per REFUSAL_LOG_INTERVAL_MS, with how
 * many there were since the last report.
 * @param {http.Server} server
 * @param {number} cap 0: no per-address cap
 * @param {(address: string, refused: number, cap: number) => void} report
 */
function limitConnectionsPerAddress(server, cap, report) {
  if (cap === 0) return;
  /** @type {Map<string, number>} */
  const open = new Map();
  let refused = 0;
  let lastReport = -Infinity;
  // Before Node's own listener: a refused connection never gets an HTTP parser.
  server.prependListener('connection', (/** @type {import('node:net').Socket} */ socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const count = open.get(address) || 0;
    if (count >= cap) {
      socket.destroy();
      refused += 1;
      const at = Date.now();
      if (at - lastReport >= REFUSAL_LOG_INTERVAL_MS) {
        report(address, refused, cap);
        refused = 0;
        lastReport = at;
      }
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) || 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * @typedef {object} ApiOptions
 * @property {string} version reported by /api/info
 * @property {(line: Record<string, unknown>) => void} [log] one call per log line (default: JSON to stdout)
 * @property {number} [keepAliveTimeoutMs] idle keep-alive connections are closed after this (default 65000)
 * @property {number} [testDelayMs] tests only: delay every non-probe answer by this much (default 0)
 * @property {number} [maxConnections] open connections at most; more are closed as they arrive (default 256)
 * @property {number} [maxConnectionsPerAddress] open connections from one client address at most; more are closed as they arrive (default 16; 0: no such cap)
 * @property {number} [maxRequestsPerConnection] requests on one connection at most; the last is answered with `Connection: close` and the connection closed (default 1000)
 * @property {number} [headersTimeoutMs] request headers must arrive within this (default 10000)
 * @property {number} [requestTimeoutMs] a whole request must arrive within this (default 30000)
 * @property {() => Date} [now]
 */

/** @param {Record<string, unknown>} line */
function stdoutLog(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Creates the API's HTTP server (not listening yet) and its shutdown.
 * @param {ApiOptions} options
 */
function createApi(options) {
  const log = options.log || stdoutLog;
  const now = options.now || (() => new Date());
  const testDelayMs = options.testDelayMs || 0;
  let shuttingDown = false;

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {number} status
   * @param {object} body
   * @param {Record<string, string>} [extra] more headers
   */
  function send(req, res, status, body, extra = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...extra,
      // Draining: keep-alive clients take their next request elsewhere.
      ...(shuttingDown ? { connection: 'close' } : {}),
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(text),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  /**
   * Answers a request once its route is known; `reply` sends (after the test delay, if any).
   * @param {http.IncomingMessage} req
   * @param {{ path: string, query: URLSearchParams }} target
   * @param {(status: number, body: object, extra?: Record<string, string>) => void} reply
   */
  function route(req, target, reply) {
    /** @type {Record<string, () => void>} */
    const routes = {
      '/api/healthz': () => reply(200, { status: 'ok' }),
      '/api/readyz': () => (shuttingDown ? reply(503, { status: 'shutting down' }) : reply(200, { status: 'ready' })),
      // No host name: a pod's name says which replica answered and how the deployment is named.
      '/api/info': () => reply(200, { service: SERVICE, version: options.version, time: now().toISOString() }),
      '/api/greeting': () => {
        const result = validateName(target.query.getAll('name'));
        if (!result.ok) return reply(400, { error: result.message });
        return reply(200, { greeting: `Hello, ${result.name}!` });
      },
    };
    // Only GET and HEAD exist here, on any path.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(405, { error: 'method not allowed' }, { allow: ALLOWED_METHODS });
    }
    const handler = Object.prototype.hasOwnProperty.call(routes, target.path) ? routes[target.path] : undefined;
    if (!handler) return reply(404, { error: 'not found' });
    return handler();
  }

  const maxRequests = options.maxRequestsPerConnection ?? MAX_REQUESTS_PER_CONNECTION;
  /** Requests each open connection has carried so far. */
  const requestsOn = new WeakMap();

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  function handle(req, res) {
    const started = process.hrtime.bigint();
    const served = (requestsOn.get(req.socket) || 0) + 1;
    requestsOn.set(req.socket, served);
    // The connection's last request: answered with `Connection: close`, then Node closes it
    // (its own maxRequestsPerSocket only answers later requests with 503 and keeps it open).
    if (served >= maxRequests) res.shouldKeepAlive = false;
    const target = parseTarget(req.url || '');
    const trace = parseTraceContext(req.headers);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // Which trace this answer belongs to, for debugging: rebuilt from the parsed ids, never the
    // header as it came (a client's text must not reach a response header).
    if (trace.w3c) res.setHeader('traceparent', formatTraceparent(trace.w3c));

    const path = target ? target.path : req.url || '';
    if (!PROBE_PATHS.has(path)) {
      let logged = false;
      const logLine = () => {
        if (logged) return;
        logged = true;
        const requestId = single(req.headers['x-request-id']);
        log({
          time: now().toISOString(),
          level: 'info',
          msg: 'request',
          method: req.method,
          path: path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}...` : path,
          status: res.statusCode,
          duration_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3,
          ...traceLogFields(trace),
          request_id: requestId !== undefined && REQUEST_ID.test(requestId) ? requestId : null,
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      };
      res.once('finish', logLine);
      res.once('close', logLine);
    }

    /** @type {(status: number, body: object, extra?: Record<string, string>) => void} */
    const reply = (status, body, extra) => {
      const answer = () => {
        if (!res.destroyed) send(req, res, status, body, extra);
      };
      if (testDelayMs > 0 && !PROBE_PATHS.has(path)) {
        // Tests wait for this line to know the request is in flight.
        log({ time: now().toISOString(), level: 'debug', msg: 'test delay', path, delay_ms: testDelayMs });
        // Unreferenced: a delayed answer cut off by shutdown keeps nothing alive.
        setTimeout(answer, testDelayMs).unref();
      } else {
        answer();
      }
    };

    try {
      if (announcesBody(req)) {
        // Refused unread: answered with `Connection: close`, so Node does not read (drain) the
        // body to reuse the connection, and closed without reading any more of it.
        res.shouldKeepAlive = false;
        closeUnread(req.socket);
        return reply(413, { error: BODY_ERROR });
      }
      if (!target) return reply(400, { error: 'bad request: the request target must be a path' });
      return route(req, target, reply);
    } catch (err) {
      log({ time: now().toISOString(), level: 'error', msg: 'request failed', error: String(err) });
      if (!res.headersSent) return reply(500, { error: 'internal error' });
      return res.destroy();
    }
  }

  const server = http.createServer({
    // Node compares its request timers against the clock only this often (default 30 s, which
    // let a 10 s header timeout fire anywhere up to 40 s): with 500 ms a timeout fires within
    // half a second of its value.
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  }, handle);
  // `Expect: 100-continue` asks for leave to send a body: Node would say "100 Continue" on its
  // own; handled like any request instead, so the body is refused before it is sent.
  server.on('checkContinue', handle);
  // Node's own count of the same bound: it announces it to clients (`Keep-Alive: max=N`).
  server.maxRequestsPerSocket = maxRequests;

  // Idle keep-alive connections live longer than the proxies' in front (ingress-nginx: 60 s),
  // so the proxy, not the server, closes them and never sends on a connection being closed.
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65000;
  // Each open connection costs memory whether or not it ever sends a request: past this many,
  // new connections are closed at once, so a flood of idle or half-open sockets cannot push
  // the process past its memory limit (see README.md for the measurement).
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  limitConnectionsPerAddress(server, options.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS, (address, refused, cap) => {
    log({ time: now().toISOString(), level: 'warn', msg: 'connections refused: too many from one address', address, cap, refused });
  });

  // Malformed requests get a JSON answer with the usual headers, not Node's bare one.
  server.on('clientError', (err, socket) => {
    const code = /** @type {{ code?: string }} */ (err).code || '';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: `bad request: ${http.STATUS_CODES[status]}` });
    const headers = Object.entries({ ...SECURITY_HEADERS, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' })
      .map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
    // Closed once the answer is written, without waiting for the client to close its side: a
    // client that never reads nor closes would otherwise keep the connection (and its slot
    // under maxConnections) forever.
    /** @type {import('node:net').Socket} */ (socket).destroySoon();
    log({ time: now().toISOString(), level: 'warn', msg: 'bad request', status, code });
  });

  /**
   * Stops taking work: readiness answers 503, the listener closes, idle connections close,
   * in-flight requests finish (each answered with `Connection: close`). Resolves when every
   * connection is gone, or after `timeoutMs` with the rest cut off (`forced: true`).
   * @param {number} timeoutMs
   * @returns {Promise<{ forced: boolean }>}
   */
  function shutdown(timeoutMs) {
    shuttingDown = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Node 18.2+; optional for older runtimes.
        server.closeAllConnections?.();
        resolve({ forced: true });
      }, timeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve({ forced: false });
      });
      // Idle keep-alive sockets would otherwise hold close() open until their timeout.
      server.closeIdleConnections?.();
    });
  }

  return { server, shutdown, isShuttingDown: () => shuttingDown };
}

/**
 * The API's HTTP server, not listening yet, for in-process use and tests: an `http.Server` with
 * `shutdown(timeoutMs)` (readiness 503, close, idle sockets closed; resolves `{ forced }`) and
 * `isShuttingDown()`. Options as createApi; `version` defaults to package.json's.
 * @param {Partial<ApiOptions>} [options]
 */
function createServer(options = {}) {
  const api = createApi({ ...options, version: options.version || PACKAGE_VERSION });
  return Object.assign(api.server, { shutdown: api.shutdown, isShuttingDown: api.isShuttingDown });
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function intFromEnv(name, value, fallback, min, max) {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}=${JSON.stringify(value)} is not valid: use a whole number from ${min} to ${max}`);
  }
  return n;
}

/**
 * The settings from the environment; throws with the variable's name and rule when one is wrong.
 * @param {NodeJS.ProcessEnv} env
 */
function loadConfig(env) {
  return {
    port: intFromEnv('PORT', env.PORT, 8080, 0, 65535),
    host: env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '0.0.0.0',
    version: env.APP_VERSION && env.APP_VERSION.trim() !== '' ? env.APP_VERSION.trim() : PACKAGE_VERSION,
    keepAliveTimeoutMs: intFromEnv('KEEP_ALIVE_TIMEOUT_MS', env.KEEP_ALIVE_TIMEOUT_MS, 65000, 1000, 600000),
    shutdownTimeoutMs: intFromEnv('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 10000, 0, 600000),
    testDelayMs: intFromEnv('API_TEST_DELAY_MS', env.API_TEST_DELAY_MS, 0, 0, 60000),
    maxConnections: intFromEnv('MAX_CONNECTIONS', env.MAX_CONNECTIONS, MAX_CONNECTIONS, 1, 100000),
    maxConnectionsPerAddress: intFromEnv('MAX_CONNECTIONS_PER_ADDRESS', env.MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS_PER_ADDRESS, 0, 100000),
    maxRequestsPerConnection: intFromEnv('MAX_REQUESTS_PER_CONNECTION', env.MAX_REQUESTS_PER_CONNECTION, MAX_REQUESTS_PER_CONNECTION, 1, 1000000),
  };
}

/** Runs the API: listens, logs, and drains on SIGTERM or SIGINT. */
function main() {
  const log = stdoutLog;
  const time = () => new Date().toISOString();
  /** @type {ReturnType<typeof loadConfig>} */
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    log({ time: time(), level: 'error', msg: 'bad configuration', error: /** @type {Error} */ (err).message });
    process.exit(2);
  }
  const api = createApi({
    version: config.version,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    testDelayMs: config.testDelayMs,
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxRequestsPerConnection: config.maxRequestsPerConnection,
    log,
  });

  api.server.on('error', (err) => {
    log({ time: time(), level: 'error', msg: 'cannot listen', host: config.host, port: config.port, error: err.message });
    process.exit(1);
  });
  api.server.listen(config.port, config.host, () => {
    const address = /** @type {import('node:net').AddressInfo} */ (api.server.address());
    log({ time: time(), level: 'info', msg: 'listening', service: SERVICE, version: config.version, host: address.address, port: address.port, node: process.version });
    if (config.testDelayMs > 0) log({ time: time(), level: 'warn', msg: 'API_TEST_DELAY_MS is set: answers are delayed (tests only)', delay_ms: config.testDelayMs });
  });

  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    if (api.isShuttingDown()) return;
    log({ time: time(), level: 'info', msg: 'shutting down', signal, timeout_ms: config.shutdownTimeoutMs });
    const started = Date.now();
    api.shutdown(config.shutdownTimeoutMs).then(({ forced }) => {
      log({ time: time(), level: forced ? 'warn' : 'info', msg: forced ? 'stopped: connections cut at the timeout' : 'stopped', duration_ms: Date.now() - started });
      process.exit(forced ? 1 : 0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', (err) => {
    log({ time: time(), level: 'error', msg: 'uncaught exception', error: err.stack || String(err) });
    process.exit(1);
  });
}

if (require.main === module) main();

module.exports = { createServer, createApi, loadConfig, parseTarget, parseTraceContext, parseTraceparent, formatTraceparent, parseB3Single, parseB3Multi, traceLogFields, validateName, NAME_MAX_LENGTH };
