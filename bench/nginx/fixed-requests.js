// N requests of the benchmark's mix (the page, its CSS and JS, the icon, with gzip), each in the
// name of another client address (X-Forwarded-For, as mix.lua), over 8 keep-alive connections:
// a fixed amount of work, for counting instructions (bench/nginx/run.sh). Prints one JSON line;
// exits 1 if any answer is not 200.
'use strict';
const http = require('node:http');

const [port, count, ...paths] = process.argv.slice(2);
const N = Number(count);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let sent = 0;
let done = 0;
const statuses = {};
function next() {
  if (sent >= N) return;
  const i = sent++;
  const headers = { 'Accept-Encoding': 'gzip, deflate, br', 'X-Forwarded-For': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
  http.get({ host: '127.0.0.1', port: Number(port), path: paths[i % paths.length], agent, headers }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
    res.resume();
    res.on('end', () => {
      if (++done === N) {
        agent.destroy();
        process.stdout.write(`${JSON.stringify({ requests: done, statuses })}\n`);
        process.exitCode = statuses[200] === N ? 0 : 1;
      } else {
        next();
      }
    });
  }).on('error', (e) => { console.error(`fixed-requests: ${e.message}`); process.exit(1); });
}
for (let k = 0; k < 8; k++) next();
