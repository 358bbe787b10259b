import crypto from 'node:crypto';
import { parseConfig } from '@app/config';
import { SecretHasher } from './secret-hasher';

const hasher = (logN: number): SecretHasher => new SecretHasher(parseConfig({ SECRET_HASH_LOG_N: String(logN) }));

describe('SecretHasher', () => {
  const secret = 'service-client-jwt-secret';
  const h10 = hasher(10);

  it('produces a salted PHC string that names scrypt and its parameters, and not the secret', async () => {
    const phc = await h10.hash(secret);
    expect(phc).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(phc).not.toContain(secret);
    expect(phc).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    expect(await h10.hash(secret)).not.toBe(phc);
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const phc = await h10.hash(secret);
    expect(await h10.verify(secret, phc)).toEqual({ valid: true, needsRehash: false });
    expect(await h10.verify(`${secret}x`, phc)).toEqual({ valid: false, needsRehash: false });
    expect(await h10.verify(secret.slice(0, -1), phc)).toEqual({ valid: false, needsRehash: false });
    expect(await h10.verify('', phc)).toEqual({ valid: false, needsRehash: false });
  });

  it('verifies secrets with non-ASCII characters byte-exactly', async () => {
    const phc = await h10.hash('sécret ü:%+');
    expect((await h10.verify('sécret ü:%+', phc)).valid).toBe(true);
    expect((await h10.verify('secret u:%+', phc)).valid).toBe(false);
  });

  it('refuses the secret with NUL bytes appended (HMAC zero-pads keys, so scrypt alone would accept it)', async () => {
    const phc = await h10.hash(secret);
    expect(await h10.verify(`${secret}\u0000`, phc)).toEqual({ valid: false, needsRehash: false });
    expect(await h10.verify(`${secret}\u0000\u0000`, phc)).toEqual({ valid: false, needsRehash: false });
  });

  it('asks for a re-hash when the stored cost is lower than the configured one, only after a valid secret', async () => {
    const weak = await h10.hash(secret);
    const h11 = hasher(11);
    expect(await h11.verify(secret, weak)).toEqual({ valid: true, needsRehash: true });
    expect(await h11.verify('wrong', weak)).toEqual({ valid: false, needsRehash: false });
    const strong = await h11.hash(secret);
    expect(strong).toMatch(/^\$scrypt\$ln=11,/);
    expect(await h11.verify(secret, strong)).toEqual({ valid: true, needsRehash: false });
    // A stronger stored hash than configured is kept (lowering the setting does not weaken stored hashes).
    expect(await h10.verify(secret, strong)).toEqual({ valid: true, needsRehash: false });
  });

  it.each([
    ['empty', ''],
    ['plain text', 'service-client-jwt-secret'],
    ['another algorithm', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['missing hash', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA'],
    ['non-base64 salt', '$scrypt$ln=10,r=8,p=1$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['short hash', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAA'],
    ['zero cost', '$scrypt$ln=0,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['absurd cost', '$scrypt$ln=99,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['absurd memory', '$scrypt$ln=22,r=99,p=99$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['zero block size', '$scrypt$ln=10,r=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['zero parallelism', '$scrypt$ln=10,r=8,p=0$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('treats a malformed stored hash (%s) as not matching, without throwing', async (_, phc) => {
    await expect(h10.verify(secret, phc)).resolves.toEqual({ valid: false, needsRehash: false });
  });

  describe('burn()', () => {
    afterEach(() => jest.restoreAllMocks());

    /** The scrypt work one call asks for: secret, salt length, key length and cost parameters (N, r, p, maxmem). */
    async function scryptWork(run: () => Promise<unknown>): Promise<unknown[]> {
      const spy = jest.spyOn(crypto, 'scrypt');
      await run();
      const work = spy.mock.calls.map(([pw, salt, keylen, options]) => ({
        secret: pw,
        saltLength: (salt as Buffer).length,
        keylen,
        options,
      }));
      spy.mockRestore();
      return work;
    }

    it('runs exactly the scrypt work of a real verification (same secret, salt size, key length, N, r, p)', async () => {
      const stored = await h10.hash('the-registered-secret-of-a-real-client');
      await h10.burn('warm-up'); // the first call also makes the dummy hash, once per process
      const verification = await scryptWork(() => h10.verify(secret, stored));
      const burn = await scryptWork(() => h10.burn(secret));
      expect(verification).toEqual([{ secret, saltLength: 16, keylen: 32, options: expect.objectContaining({ N: 2 ** 10, r: 8, p: 1 }) }]);
      expect(burn).toEqual(verification);
    });

    it('follows the configured cost, as stored hashes do once re-hashed', async () => {
      const h11 = hasher(11);
      const stored = await h11.hash('the-registered-secret-of-a-real-client');
      await h11.burn('warm-up');
      const verification = await scryptWork(() => h11.verify(secret, stored));
      expect(await scryptWork(() => h11.burn(secret))).toEqual(verification);
      expect(verification).toEqual([expect.objectContaining({ options: expect.objectContaining({ N: 2 ** 11 }) })]);
    });

    it('matches nothing and resolves without a value', async () => {
      await expect(h10.burn(secret)).resolves.toBeUndefined();
    });
  });
});
