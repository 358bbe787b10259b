import type { AssertionConfig, Clock, ServerConfig } from '@app/config';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { publicKeySet, RemoteKeySets } from './remote-key-sets';

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pub = { ...(pair.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'p' };
const priv = { ...(pair.privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'd' };

describe('publicKeySet: what a fetched jwks_uri may contribute', () => {
  it('keeps public signing keys only', () => {
    const set = publicKeySet({ keys: [pub, priv, { ...pub, kid: 'e', use: 'enc' }, { kty: 'oct', k: 'c2VjcmV0', kid: 'o' }, 'junk'] });
    expect(set.keys.map((k) => k.kid)).toEqual(['p']);
  });

  it('leaves out RSA keys below 2048 or above 4096 bits, with an exponent above 2^32, or that do not parse', () => {
    const rsa = (bits: number): Record<string, string> =>
      generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const good = { ...rsa(2048), kid: 'good' };
    // A modulus need not be a real product of primes to be parsed: 4608 random bits stand for a key too slow to make.
    const oversized = {
      kty: 'RSA',
      n: Buffer.concat([Buffer.from([0xc1]), randomBytes(575)]).toString('base64url'),
      e: 'AQAB',
      kid: 'big',
    };
    const hugeExponent = { ...rsa(2048), e: Buffer.from('0100000000000001', 'hex').toString('base64url'), kid: 'huge-e' };
    const set = publicKeySet({
      keys: [{ ...rsa(1024), kid: 'weak' }, oversized, hugeExponent, { kty: 'RSA', n: 'AA', kid: 'junk' }, good],
    });
    expect(set.keys.map((k) => k.kid)).toEqual(['good']);
  });

  it('refuses a set of more than 20 keys outright, before looking at any', () => {
    const keys = Array.from({ length: 21 }, (_, i) => ({ ...pub, kid: `k${i}` }));
    expect(() => publicKeySet({ keys })).toThrow(/21 keys, more than 20/);
    expect(publicKeySet({ keys: keys.slice(0, 20) }).keys).toHaveLength(20);
  });

  it.each([[null], ['text'], [{}], [{ keys: 'x' }], [{ keys: [priv] }], [{ keys: [{ kty: 'RSA', n: 'AA' }] }]])(
    'treats %j as garbage',
    (body) => {
      expect(() => publicKeySet(body)).toThrow(/JWK Set/);
    },
  );
});

describe('RemoteKeySets: one cache entry per URL and fetch policy', () => {
  it('does not serve keys fetched under allow_private_network to a caller without it: that caller fetches under its own policy', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' });
      res.end(JSON.stringify({ keys: [pub] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const assertions = {
        fetchTimeoutMs: 2000,
        fetchMaxBytes: 65536,
        jwksMinCacheSeconds: 60,
        jwksMaxCacheSeconds: 3600,
        jwksRefetchIntervalSeconds: 60,
      };
      const sets = new RemoteKeySets(
        assertions as AssertionConfig,
        { production: false } as ServerConfig,
        { now: () => Date.now() } as Clock,
      );
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      await sets.keys(uri, true);
      await sets.keys(uri, true);
      expect(hits).toBe(1);
      await sets.keys(uri, false);
      expect(hits).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
