import { Agent, request } from 'node:http';

export interface SourcedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * HTTP from a chosen loopback source address (any 127.x.y.z is loopback on Linux), so one test can act as
 * several clients on distinct addresses. One keep-alive agent per address.
 */
export class SourcedHttp {
  private readonly agents = new Map<string, Agent>();

  private agent(localAddress: string): Agent {
    let a = this.agents.get(localAddress);
    if (!a) {
      a = new Agent({ keepAlive: true, localAddress, maxSockets: 64 });
      this.agents.set(localAddress, a);
    }
    return a;
  }

  send(
    from: string,
    url: string,
    opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
  ): Promise<SourcedResponse> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: this.agent(from) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}
