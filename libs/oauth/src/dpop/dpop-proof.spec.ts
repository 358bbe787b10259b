import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type DpopExpectations, DpopProofVerifier, jwkThumbprint, normaliseHtu } from './dpop-proof';

const verifier = new DpopProofVerifier();
const verifyDpopProof = (proof: string, e: DpopExpectations) => verifier.verify(proof, e);

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const HTU = 'https://as.example.com/base/oauth2/token';
const NOW = 1_800_000_000;

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  let privateKey: KeyLike;
  let jwk: JWK;
  const expect_: DpopExpectations = {
    htm: 'POST',
    htu: [HTU],
    algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    nowSeconds: NOW,
    maxAgeSeconds: 300,
    skewSeconds: 5,
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwk = await exportJWK(pair.publicKey);
  });

  function proof(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ htm: 'POST', htu: HTU, jti: 'j1', iat: NOW, ...claims })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...header })
      .sign(privateKey);
  }

  it('accepts a fresh proof and gives the RFC 7638 thumbprint of its key', async () => {
    const verified = await verifyDpopProof(await proof({ nonce: 'n1' }), expect_);
    expect(verified).toEqual({ jkt: await calculateJwkThumbprint(jwk), jti: 'j1', iat: NOW, nonce: 'n1' });
  });

  it('compares htu without query and fragment, with the host case-insensitive (§4.3 item 9)', async () => {
    await expect(verifyDpopProof(await proof({ htu: 'https://AS.example.com/base/oauth2/token?x=1#f' }), expect_)).resolves.toMatchObject({
      jti: 'j1',
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    ['another method', { htm: 'GET' }, {}, /htm must be POST/],
    ['another URL', { htu: 'https://as.example.com/other/oauth2/token' }, {}, /htu must be/],
    ['an iat older than the maximum age', { iat: NOW - 301 }, {}, /too old/],
    ['an iat in the future beyond the skew', { iat: NOW + 6 }, {}, /in the future/],
    ['no jti', { jti: undefined }, {}, /jti/],
    ['a wrong typ', {}, { typ: 'JWT' }, /typ must be dpop\+jwt/],
  ])('refuses %s', async (_, claims, header, reason) => {
    await expect(verifyDpopProof(await proof(claims, header), expect_)).rejects.toThrow(reason);
  });

  it('refuses a private key in the header, whatever the signature', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const p = await new SignJWT({ htm: 'POST', htu: HTU, jti: 'j', iat: NOW })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk })
      .sign(pair.privateKey);
    await expect(verifyDpopProof(p, expect_)).rejects.toThrow(/must not contain a private key/);
  });

  it('refuses alg none and symmetric algorithms', async () => {
    const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${enc({ typ: 'dpop+jwt', alg: 'none', jwk })}.${enc({ htm: 'POST', htu: HTU, jti: 'j', iat: NOW })}.`;
    await expect(verifyDpopProof(none, expect_)).rejects.toThrow(/alg must be one of/);
    const hs = await new SignJWT({ htm: 'POST', htu: HTU, jti: 'j', iat: NOW })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk })
      .sign(new Uint8Array(32));
    await expect(verifyDpopProof(hs, expect_)).rejects.toThrow(/alg must be one of/);
  });

  it('refuses a proof signed by another key than the one in its header', async () => {
    const other = await generateKeyPair('ES256');
    const p = await new SignJWT({ htm: 'POST', htu: HTU, jti: 'j', iat: NOW })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(other.privateKey);
    await expect(verifyDpopProof(p, expect_)).rejects.toThrow(/signature is invalid/);
  });

  it('refuses a proof without a jwk, and garbage', async () => {
    await expect(verifyDpopProof(await proof({}, { jwk: undefined }), expect_)).rejects.toThrow(/must carry the public jwk/);
    await expect(verifyDpopProof('not-a-jwt', expect_)).rejects.toThrow(/not a compact JWS/);
  });

  it('gives the RFC 7638 thumbprint jose gives, for EC, RSA and OKP keys', async () => {
    for (const alg of ['ES256', 'RS256', 'EdDSA']) {
      const k = await exportJWK((await generateKeyPair(alg)).publicKey);
      expect(jwkThumbprint({ ...k, alg, use: 'sig' })).toBe(await calculateJwkThumbprint(k));
    }
  });

  it('accepts RS256, PS256 and EdDSA proofs, and refuses a key that does not fit the alg', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA']) {
      const pair = await generateKeyPair(alg);
      const p = await new SignJWT({ htm: 'POST', htu: HTU, jti: `j-${alg}`, iat: NOW })
        .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: await exportJWK(pair.publicKey) })
        .sign(pair.privateKey);
      await expect(verifyDpopProof(p, expect_)).resolves.toMatchObject({ jti: `j-${alg}` });
    }
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'RS256', jwk })).toString('base64url');
    const forged = `${header}.${Buffer.from('{}').toString('base64url')}.AAAA`;
    await expect(verifyDpopProof(forged, expect_)).rejects.toThrow(/does not fit alg RS256/);
  });

  it('normalises URLs and rejects what is not one', () => {
    expect(normaliseHtu('HTTPS://As.Example.com:443/a?b#c')).toBe('https://as.example.com/a');
    expect(normaliseHtu('/relative')).toBeUndefined();
  });
});
