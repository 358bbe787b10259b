import { randomBytes } from 'node:crypto';
import { DpopNonces } from './dpop-nonces';

describe('DpopNonces (RFC 9449 §8)', () => {
  const secret = randomBytes(32);

  it('accepts a nonce in its window and the next, not later, and on every instance sharing the secret', () => {
    const a = new DpopNonces(secret, 300);
    const b = new DpopNonces(Buffer.from(secret), 300);
    const nonce = a.current(1000 * 300 + 10);
    expect(b.accepts(nonce, 1000 * 300 + 299)).toBe(true);
    expect(b.accepts(nonce, 1001 * 300 + 299)).toBe(true);
    expect(b.accepts(nonce, 1002 * 300)).toBe(false);
  });

  it('refuses a nonce made under another secret, a forged window and garbage', () => {
    const a = new DpopNonces(secret, 300);
    const other = new DpopNonces(randomBytes(32), 300);
    const now = 5000 * 300;
    expect(a.accepts(other.current(now), now)).toBe(false);
    const [, mac] = a.current(now - 300).split('.');
    expect(a.accepts(`${now / 300}.${mac}`, now)).toBe(false);
    expect(a.accepts('', now)).toBe(false);
    expect(a.accepts('x.y', now)).toBe(false);
  });
});
