import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

/** A fresh key pair (extractable, so openid-client can use it) with its public JWK. */
export async function signingKey(kid: string, alg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface AssertionOptions {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Seconds from now; null leaves exp out. */
  expiresIn?: number | null;
  iat?: number | null;
  nbf?: number;
  jti?: string | null;
  claims?: Record<string, unknown>;
  kid?: string | null;
}

/** A signed JWT assertion for `clientId` (RFC 7523 §3), each claim overridable. */
export async function clientAssertion(
  key: SigningKey | Uint8Array,
  clientId: string,
  aud: string,
  o: AssertionOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: o.iss ?? clientId,
    sub: o.sub ?? clientId,
    aud: o.aud ?? aud,
    ...(o.expiresIn === null ? {} : { exp: now + (o.expiresIn ?? 60) }),
    ...(o.iat === null ? {} : { iat: o.iat ?? now }),
    ...(o.nbf !== undefined ? { nbf: o.nbf } : {}),
    ...(o.jti === null ? {} : { jti: o.jti ?? randomUUID() }),
    ...o.claims,
  };
  if (key instanceof Uint8Array) return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const kid = o.kid === null ? undefined : (o.kid ?? key.kid);
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, ...(kid ? { kid } : {}) }).sign(key.privateKey);
}

/** An unsigned JWT (alg none), which must never be accepted. */
export function unsignedJwt(payload: Record<string, unknown>): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none' })}.${enc(payload)}.`;
}

export interface FakeHttp {
  url: string;
  /** Requests per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A local HTTP server on loopback answering `handler(path)`, counting requests per path. */
export async function fakeHttp(handler: (path: string, req: IncomingMessage, res: ServerResponse) => void): Promise<FakeHttp> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handler(path, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
