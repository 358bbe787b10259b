import { ClientEntity } from '@app/clients';
import type { OAuthParams } from '../client-auth';
import { InvalidTarget } from '../errors';
import { resolveAudience } from './audience';

function client(audiences: string[]): ClientEntity {
  return Object.assign(new ClientEntity(), { clientId: 'svc', audiences });
}

function params(resource: string[] = [], audience?: string): OAuthParams {
  return { single: new Map(audience === undefined ? [] : [['audience', audience]]), resource };
}

const A = 'https://api-a.example.com/';
const B = 'https://api-b.example.com/v1?tenant=1';

describe('resolveAudience (RFC 8707 §2)', () => {
  it('defaults to the first registered audience, else the client id', () => {
    expect(resolveAudience(client([A, B]), params())).toBe(A);
    expect(resolveAudience(client([]), params())).toBe('svc');
  });

  it('selects one registered resource as a single aud, several as an array', () => {
    expect(resolveAudience(client([A, B]), params([B]))).toBe(B);
    expect(resolveAudience(client([A, B]), params([A, B]))).toEqual([A, B]);
  });

  it('accepts the space-delimited audience parameter and merges it with resource, without duplicates', () => {
    expect(resolveAudience(client([A, B, 'orders']), params([], `orders ${A}`))).toEqual(['orders', A]);
    expect(resolveAudience(client([A, B]), params([A], `${A} ${B}`))).toEqual([A, B]);
  });

  it('lets a client without audiences name only its own id', () => {
    expect(resolveAudience(client([]), params([], 'svc'))).toBe('svc');
    expect(() => resolveAudience(client([]), params(['https://other.example.com/']))).toThrow(InvalidTarget);
  });

  it.each([
    ['unregistered', 'https://evil.example.com/'],
    ['relative', '/api'],
    ['a bare word', 'api-a'],
    ['with a fragment', `${A}#frag`],
    ['with an empty fragment', `${A}#`],
  ])('refuses a resource that is %s with invalid_target', (_, r) => {
    expect(() => resolveAudience(client([A, `${A}#frag`, `${A}#`, '/api', 'api-a']), params([r]))).toThrow(
      expect.objectContaining({ error: 'invalid_target', status: 400 }),
    );
  });

  it('refuses the whole request when one of several resources is not registered', () => {
    expect(() => resolveAudience(client([A]), params([A, B]))).toThrow(InvalidTarget);
  });

  it('compares resources exactly, without URI normalisation', () => {
    expect(() => resolveAudience(client(['https://api-a.example.com']), params([A]))).toThrow(InvalidTarget);
  });

  it('never combines the admin audience with another one', () => {
    const ADMIN = 'https://auth.example.com/admin';
    expect(() => resolveAudience(client([ADMIN, A]), params([ADMIN, A]), ADMIN)).toThrow(
      'A token for the admin API cannot carry any other audience',
    );
    expect(() => resolveAudience(client([ADMIN, A]), params([], `${A} ${ADMIN}`), ADMIN)).toThrow(InvalidTarget);
    expect(resolveAudience(client([ADMIN, A]), params([ADMIN]), ADMIN)).toBe(ADMIN);
    expect(resolveAudience(client([ADMIN, A]), params(), ADMIN)).toBe(ADMIN);
    expect(resolveAudience(client([A, B]), params([A, B]), ADMIN)).toEqual([A, B]);
  });
});
