import { generateKeyPairSync } from 'node:crypto';
import { publicKeySet } from './remote-key-sets';

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pub = { ...(pair.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'p' };
const priv = { ...(pair.privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'd' };

describe('publicKeySet: what a fetched jwks_uri may contribute', () => {
  it('keeps public signing keys only', () => {
    const set = publicKeySet({ keys: [pub, priv, { ...pub, kid: 'e', use: 'enc' }, { kty: 'oct', k: 'c2VjcmV0', kid: 'o' }, 'junk'] });
    expect(set.keys.map((k) => k.kid)).toEqual(['p']);
  });

  it.each([[null], ['text'], [{}], [{ keys: 'x' }], [{ keys: [priv] }]])('treats %j as garbage', (body) => {
    expect(() => publicKeySet(body)).toThrow(/JWK Set/);
  });
});
