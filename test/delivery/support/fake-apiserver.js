#!/usr/bin/env node
// TEST KUBERNETES API SERVER, for tests only: enough of the Kubernetes 1.27 API, over plain HTTP on
// 127.0.0.1, for the real kubectl 1.27 and helm 4 to run every call of `npm run deploy` against
// it, with the behaviour those calls depend on and could be wrong about, and the codes and
// messages of the real API server where a client could be wrong. What it imitates, loosely or not
// at all, is listed in README.md beside this file. The modules, under apiserver/:
//   server.js        the request handler: verbs, subresources, the order of the real handlers
//   kinds.js         the kinds served (built-in, and those of Established CRDs), discovery
//   store.js         storage: objects, resourceVersions, the event log, watches
//   validation.js    field validation (Strict/Warn/Ignore), schema and kind validation (422), immutable fields, size limits
//   namespaces.js    NamespaceLifecycle and the namespace controller (Terminating, finalizers)
//   subresources.js  /status and /scale
//   patch.js         JSON, merge and strategic merge patches
//   protobuf.js      request bodies in protobuf (helm's release Secrets)
//   errors.js        metav1.Status bodies and field errors, worded as the real server words them
// and beside this file: managed-fields.js (server-side apply, managedFields, conflicts) and
// deployment-controller.js (ReplicaSets, rollouts, progress deadlines).
//
// Usage: node fake-apiserver.js   (prints "listening <port>"; $PORT or 0 = a free port)
// Test endpoints:
//   GET  /__requests  every request so far: method, path, query, content type, user agent, status,
//                     `seq`/`endSeq` (a global order: a watch's endSeq is when it closed),
//                     `at` (when it arrived, ms since the epoch: an order across two servers)
//   GET  /__objects   the store
//   POST /__control   merges JSON into the control state (see README.md): timeScale, failImages,
//                     slowImages, unavailable, notEstablished, version, rules, bookmarkSeconds
//   POST /__reset     a new cluster's content (its system namespaces, same UIDs), an empty request
//                     log and control state
'use strict';
const http = require('http');
const { ApiServer, MAX_REQUEST_BYTES } = require('./apiserver/server');

const api = new ApiServer();

const server = http.createServer((req, res) => {
  // The body, up to the real server's limit (3 MiB): past it, the request fails with 413.
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(c);
  });
  req.on('end', () => {
    try {
      api.handle(req, res, size > MAX_REQUEST_BYTES && !req.url.startsWith('/__') ? undefined : Buffer.concat(chunks));
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String((e && e.stack) || e), reason: 'InternalError', code: 500 }));
    }
  });
});
// Keep-alive: Node closes an idle connection after 5 s by default, which races a client that
// reuses it at that moment (its next request fails with a reset). kubectl's Go client keeps
// idle connections for 90 s and node's fetch for 4 s (or the server's Keep-Alive hint minus 1 s),
// so the server keeps them longer than either: it never closes a connection a client is
// about to reuse; clients close them first.
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;
server.requestTimeout = 0;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  process.exit(0);
});
