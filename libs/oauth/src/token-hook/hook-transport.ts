import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { addressRefusal, type FetchPolicy } from '../client-auth/assertion/address-policy';

const MAX_RESPONSE_BYTES = 65_536;

export class HookCallFailed extends Error {
  constructor(readonly reason: 'timeout' | 'refused_address' | 'network' | 'too_large') {
    super(`token hook call failed: ${reason}`);
    this.name = 'HookCallFailed';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * POSTs JSON to the token hook over kept-alive connections, each new connection guarded as the jwks_uri fetcher
 * guards its one (addressRefusal on every address the name resolves to, in production https and public addresses
 * only unless allowed): the check sits in the agent's lookup, so a connection is never made to a refused address.
 */
export class HookTransport {
  private readonly agent: HttpAgent;
  private readonly url: URL;

  constructor(url: string, policy: FetchPolicy) {
    this.url = new URL(url);
    const protocol = this.url.protocol;
    const lookup = (host: string, opts: LookupOptions, cb: LookupCallback): void => {
      const check = (list: LookupAddress[]): void => {
        const refusal = list.length === 0 ? 'no address' : list.map((a) => addressRefusal(protocol, a.address, policy)).find(Boolean);
        if (refusal) {
          cb(Object.assign(new Error(refusal), { code: 'EREFUSEDADDRESS' }), []);
          return;
        }
        if (opts.all) cb(null, list);
        else cb(null, list[0].address, list[0].family);
      };
      const bare = host.replace(/^\[|\]$/g, '');
      if (isIP(bare)) check([{ address: bare, family: isIP(bare) }]);
      else dnsLookup(bare, { all: true }, (err, list) => (err ? cb(err, []) : check(list)));
    };
    const options = { keepAlive: true, maxSockets: 64, lookup: lookup as never };
    this.agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  }

  post(body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'ms-auth-server',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy();
              reject(new HookCallFailed('too_large'));
            } else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => reject(new HookCallFailed('network')));
        },
      );
      const timer = setTimeout(() => {
        reject(new HookCallFailed('timeout'));
        req.destroy();
      }, timeoutMs);
      timer.unref();
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(new HookCallFailed(e.code === 'EREFUSEDADDRESS' ? 'refused_address' : 'network')),
      );
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
