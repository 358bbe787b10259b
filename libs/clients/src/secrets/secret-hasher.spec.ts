import crypto from 'node:crypto';
import { parseConfig } from '@app/config';
import { SecretHasher } from './secret-hasher';

const hasher = (logN: number): SecretHasher => {
  const config = parseConfig({ SECRET_HASH_LOG_N: String(logN) });
  return new SecretHasher(config.secrets, config.throttle);
};

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

  describe('check(): client authentication with the same work for every failure', () => {
    /** scrypt work (N·r·p) spent while running `fn`. */
    async function workOf(fn: () => Promise<unknown>): Promise<number> {
      // The module object itself (the default import), which secret-hasher calls through.
      const spy = jest.spyOn(crypto, 'scrypt');
      try {
        await fn();
        return spy.mock.calls.reduce((sum, call) => {
          const o = call[3];
          return sum + (o.N ?? 0) * (o.r ?? 0) * (o.p ?? 0);
        }, 0);
      } finally {
        spy.mockRestore();
      }
    }

    it('returns which candidate matched: the current hash, or the previous one in its grace window', async () => {
      const current = await h10.hash('new-secret');
      const previous = await h10.hash('old-secret');
      await expect(h10.check('new-secret', [current, previous], 'newcomer')).resolves.toEqual({ index: 0, needsRehash: false });
      await expect(h10.check('old-secret', [current, previous], 'suspect')).resolves.toEqual({ index: 1, needsRehash: false });
      await expect(h10.check('nope', [current, previous], 'suspect')).resolves.toEqual({ index: -1, needsRehash: false });
      await expect(h10.check('old-secret', [current, undefined], 'suspect')).resolves.toEqual({ index: -1, needsRehash: false });
    });

    it('spends two verifications at the configured cost on an unknown id, a wrong secret, a wrong secret in grace, and older hashes', async () => {
      const h12 = hasher(12);
      const current = await h12.hash('s1');
      const previous = await h12.hash('s0');
      const olderParameters = await h10.hash('s1');
      const target = 2 * 2 ** 12 * 8;
      const cases: [string, (string | undefined)[]][] = [
        ['unknown client', [undefined, undefined]],
        ['wrong secret', [current, undefined]],
        ['wrong secret during a grace window', [current, previous]],
        ['hash with older parameters', [olderParameters, undefined]],
        ['older current and previous hashes', [olderParameters, olderParameters]],
        ['unreadable stored hash', ['garbage', undefined]],
      ];
      for (const [name, candidates] of cases) {
        const work = await workOf(() => h12.check('wrong', candidates, 'suspect'));
        expect({ name, work }).toEqual({ name, work: target });
      }
    });
  });
});
