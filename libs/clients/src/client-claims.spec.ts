import { tokenClaimsProblems, tokenExchangeProblems } from './client-claims';

describe('tokenClaimsProblems', () => {
  it('accepts any JSON object of unreserved names within the size bound', () => {
    expect(tokenClaimsProblems({ tenant: 'acme', limits: { rps: 5 }, tags: ['a'], beta: true, n: null }, 2048)).toEqual([]);
  });

  it('names every reserved claim, since the server sets those itself', () => {
    expect(tokenClaimsProblems({ sub: 'x', tenant: 'acme', act: {} }, 2048).map((p) => p.field)).toEqual([
      'token_claims.sub',
      'token_claims.act',
    ]);
  });

  it('bounds the size as JSON bytes, multi-byte characters counted as such', () => {
    expect(tokenClaimsProblems({ t: 'é'.repeat(10) }, 20)).toEqual([
      { field: 'token_claims', message: expect.stringMatching(/at most 20 bytes/) },
    ]);
  });

  it('refuses arrays, strings and null as the whole value', () => {
    for (const v of [[], 'tenant', null, 3]) expect(tokenClaimsProblems(v, 2048)[0].field).toBe('token_claims');
  });
});

describe('tokenExchangeProblems', () => {
  it('accepts audiences and scopes lists', () => {
    expect(tokenExchangeProblems({ audiences: ['https://orders.example'], scopes: ['orders.read'] })).toEqual([]);
  });

  it('needs at least one audience, scope tokens per RFC 6749 §3.3, and no other fields', () => {
    expect(tokenExchangeProblems({ audiences: [], scopes: ['a b'], extra: 1 }).map((p) => p.field)).toEqual([
      'token_exchange',
      'token_exchange.audiences',
      'token_exchange.scopes',
    ]);
  });
});
