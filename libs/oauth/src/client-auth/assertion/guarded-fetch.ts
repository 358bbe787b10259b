import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { addressRefusal, type FetchPolicy } from './address-policy';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export interface FetchedJson {
  body: unknown;
  /** max-age from Cache-Control, undefined when absent; 0 for no-store / no-cache. */
  maxAgeSeconds: number | undefined;
}

export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefused';
  }
}

const MAX_REDIRECTS = 3;

/** Resolves a host name to all its addresses (node:dns lookup; replaceable in tests). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, list) => (err ? reject(err) : resolve(list))));

/**
 * GET a JSON document from a URL an admin typed (jwks_uri, OIDC discovery), guarded against SSRF: the host is
 * resolved once, every address checked (addressRefusal), and the connection made to the checked address (the
 * socket's lookup answers with it, so a second DNS answer cannot rebind it; TLS still verifies the host name).
 * Bounded in time and size; redirects only within the same origin.
 */
export async function fetchJson(
  url: string,
  policy: FetchPolicy,
  limits: FetchLimits,
  resolver: Resolver = systemResolver,
): Promise<FetchedJson> {
  const deadline = Date.now() + limits.timeoutMs;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, policy, limits, deadline, resolver);
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      if (hop >= MAX_REDIRECTS || !res.location) throw new FetchRefused(`too many redirects, or a redirect without Location`);
      const next = new URL(res.location, current);
      if (next.origin !== current.origin) throw new FetchRefused(`redirect to another host (${next.origin}) refused`);
      current = next;
      continue;
    }
    if (res.status !== 200) throw new FetchRefused(`answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new FetchRefused('did not answer JSON');
    }
    return { body, maxAgeSeconds: maxAge(res.cacheControl) };
  }
}

export function maxAge(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return 0;
  const m = /(^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(,|$)/i.exec(cacheControl);
  return m ? Number(m[2]) : undefined;
}

async function resolveChecked(u: URL, policy: FetchPolicy, resolver: Resolver, deadline: number): Promise<LookupAddress> {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await withinDeadline(resolver(host), deadline, host);
  } catch (err) {
    if (err instanceof FetchRefused) throw err;
    throw new FetchRefused(`cannot resolve ${host}`);
  }
  if (addresses.length === 0) throw new FetchRefused(`cannot resolve ${host}`);
  // Every address the name has must pass: the connection might otherwise be steered to a refused one.
  for (const a of addresses) {
    const refusal = addressRefusal(u.protocol, a.address, policy);
    if (refusal) throw new FetchRefused(refusal);
  }
  return addresses[0];
}

/** The lookup counts against the fetch timeout: a resolver that never answers must not hold the request. */
function withinDeadline<T>(work: Promise<T>, deadline: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FetchRefused(`timed out resolving ${host}`)), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

async function getOnce(
  u: URL,
  policy: FetchPolicy,
  limits: FetchLimits,
  deadline: number,
  resolver: Resolver,
): Promise<{ status: number; location?: string; cacheControl?: string; text: string }> {
  if (u.username || u.password) throw new FetchRefused('URLs with credentials are not fetched');
  const checked = await resolveChecked(u, policy, resolver, deadline);
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new FetchRefused('timed out');
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'ms-auth-server' },
        // The one address that was checked; `all` is asked for by Node's happy-eyeballs connect.
        lookup: (_host, opts, cb) =>
          (opts as { all?: boolean }).all
            ? (cb as unknown as (e: null, a: LookupAddress[]) => void)(null, [checked])
            : cb(null, checked.address, checked.family),
        agent: false,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const length = Number(res.headers['content-length'] ?? 0);
        if (length > limits.maxBytes) {
          req.destroy();
          reject(new FetchRefused(`response larger than ${limits.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > limits.maxBytes) {
            req.destroy();
            reject(new FetchRefused(`response larger than ${limits.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status,
            location: res.headers.location,
            cacheControl: res.headers['cache-control'],
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (e) => reject(new FetchRefused(e.message)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new FetchRefused('timed out'));
    }, remaining);
    timer.unref();
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e) => reject(new FetchRefused(e.message)));
    req.end();
  });
}
