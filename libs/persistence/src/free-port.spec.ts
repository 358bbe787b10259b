import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, portIsFree } from './free-port';

describe('freePort', () => {
  it('picks a port that can be bound, below the range outgoing connections take their local ports from', async () => {
    const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralStart);
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(port, '127.0.0.1', res));
    try {
      expect(await portIsFree(port)).toBe(false);
    } finally {
      await new Promise((res) => srv.close(res));
    }
    expect(await portIsFree(port)).toBe(true);
  });
});
