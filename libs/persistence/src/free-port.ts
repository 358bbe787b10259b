import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The lowest port a free pick may use: clear of the well-known and the commonly registered ports. */
const LOWEST = 10_000;

/** Whether a listener could bind `port` on 127.0.0.1 right now. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/**
 * A port free on 127.0.0.1 now, for a listener (the embedded PostgreSQL, a test server) that binds it a moment
 * later. Picked at random below the kernel's ephemeral range (Linux's ip_local_port_range, 32768 by default):
 * a port from that range, which is what binding port 0 hands out, can meanwhile become the local end of any
 * outgoing connection (each pooled database connection is one), and the later bind fails with EADDRINUSE.
 * Where that range cannot be read or leaves no room below it, the kernel's own pick.
 */
export async function freePort(): Promise<number> {
  const ephemeralStart = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').then(
    (text) => Number(text.trim().split(/\s+/)[0]),
    () => NaN,
  );
  if (Number.isInteger(ephemeralStart) && ephemeralStart > LOWEST + 1_000) {
    for (let tries = 0; tries < 20; tries++) {
      const port = randomInt(LOWEST, ephemeralStart);
      if (await portIsFree(port)) return port;
    }
  }
  return kernelPick();
}

/** The port the kernel hands out for port 0, released again. */
function kernelPick(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
