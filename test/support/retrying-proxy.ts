import { type IncomingHttpHeaders, request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ProxyStats {
  /** Requests answered to the client. */
  forwarded: number;
  /** Attempts retried on another upstream because the connection was refused (nothing sent). */
  refusedRetries: number;
  /** Attempts retried because the upstream closed without any response byte (never read, e.g. accept backlog). */
  emptyResponseRetries: number;
  /** Requests the proxy had to fail (every attempt failed): lost requests. */
  failed: number;
}

export interface RetryingProxy {
  port: number;
  stats: ProxyStats;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];

/**
 * A small round-robin HTTP load balancer for tests, behaving like HAProxy with `retry-on conn-failure
 * empty-response` (or nginx's `proxy_next_upstream error` plus `non_idempotent`): a request whose upstream
 * connection is refused, or closed before any response byte, is sent to the next upstream. It opens a fresh
 * upstream connection per request, so no request can be lost to a keep-alive connection that the server
 * closes as idle just as the proxy reuses it. A response that has started is never retried.
 */
export async function startRetryingProxy(upstreamPorts: number[], maxAttempts = 6): Promise<RetryingProxy> {
  const stats: ProxyStats = { forwarded: 0, refusedRetries: 0, emptyResponseRetries: 0, failed: 0 };
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: IncomingHttpHeaders = { ...req.headers, connection: 'close' };
      for (const h of HOP_BY_HOP.filter((x) => x !== 'connection')) delete headers[h];
      const attempt = (n: number, port: number, delayMs: number): void => {
        const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false }, (upRes) => {
          const out = { ...upRes.headers };
          for (const h of HOP_BY_HOP) delete out[h];
          res.writeHead(upRes.statusCode ?? 502, out);
          upRes.pipe(res);
          upRes.on('end', () => stats.forwarded++);
        });
        up.on('error', (err: NodeJS.ErrnoException) => {
          if (res.headersSent) {
            res.destroy(err);
            return;
          }
          if (err.code === 'ECONNREFUSED') stats.refusedRetries++;
          else stats.emptyResponseRetries++;
          if (n + 1 >= maxAttempts) {
            stats.failed++;
            res.writeHead(502, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'bad_gateway', error_description: `all upstreams failed: ${err.code ?? err.message}` }));
            return;
          }
          // The next upstream; once every one was tried, wait a little (a restarting instance).
          const to = upstreamPorts[(upstreamPorts.indexOf(port) + 1) % upstreamPorts.length];
          setTimeout(() => attempt(n + 1, to, Math.min(delayMs * 2, 400)), (n + 1) % upstreamPorts.length === 0 ? delayMs : 0);
        });
        up.end(body);
      };
      attempt(0, upstreamPorts[next++ % upstreamPorts.length], 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
