import * as crypto from 'crypto';
import * as net from 'net';

/**
 * Ports for the servers tests start, always chosen by the operating system (a listen on port
 * 0), never a fixed number or a scanned range: two checkouts can then run the suite at the same
 * time on one machine. Servers that can report the port they got (node's http servers, the fake
 * API server) should listen on port 0 themselves; these helpers are for the ones that cannot
 * (nginx, containers, the registry), which must be told a number.
 *
 * Between the probe's close and the server's own listen another process could take the port;
 * the kernel hands out ephemeral ports in a randomised order, so that window is tiny, and a
 * port handed out once is not handed out again by this process.
 */
const handedOut = new Set<number>();

/** Listens on 127.0.0.1:`port` (0: any) and closes again; resolves with the port, or undefined when it is taken. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const got = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(got));
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on, picked by the operating system. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probe(0);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('the operating system handed out no free port on 127.0.0.1 in 100 attempts');
}

/**
 * `count` consecutive free ports, the first picked by the operating system: for servers that
 * take a port and use the next ones too (docker/build.sh runs the site on HOST_PORT and its
 * stub_status on HOST_PORT+1).
 */
export async function freeConsecutivePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = await probe(0);
    if (first === undefined || first + count - 1 > 65535) continue;
    const rest = [];
    for (let p = first + 1; p < first + count; p++) rest.push(handedOut.has(p) ? undefined : await probe(p));
    if (!handedOut.has(first) && rest.every((p) => p !== undefined)) {
      for (let p = first; p < first + count; p++) handedOut.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1 in 100 attempts`);
}

/**
 * A name for a container or another machine-wide object a test creates (podman's names are
 * global to the user): `prefix` plus a random suffix, so two checkouts running the suite at
 * once do not remove each other's containers.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
}
