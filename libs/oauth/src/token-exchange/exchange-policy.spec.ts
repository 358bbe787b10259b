import { InvalidRequest, InvalidScope } from '../errors';
import { actClaim, actDepth, checkMayAct, exchangedScopes, type TokenParty } from './exchange-policy';

const policy = { audiences: ['https://inventory.example'], scopes: ['orders.read', 'inventory.read'] };
const ISS = 'https://auth.example.com';
const subject = (o: Partial<TokenParty> = {}): TokenParty => ({
  sub: 'frontend',
  iss: ISS,
  scopes: ['orders.read', 'profile'],
  exp: 0,
  ...o,
});

describe('exchangedScopes (RFC 8693: narrowed to the subject token and the policy)', () => {
  it('grants the intersection when none is asked for', () => {
    expect(exchangedScopes(undefined, ['orders.read', 'profile'], policy)).toEqual(['orders.read']);
  });

  it('refuses a scope the subject token lacks or the policy does not allow', () => {
    expect(() => exchangedScopes(['inventory.read'], ['orders.read'], policy)).toThrow(InvalidScope);
    expect(() => exchangedScopes(['profile'], ['orders.read', 'profile'], policy)).toThrow(InvalidScope);
  });

  it('grants what is asked within the intersection', () => {
    expect(exchangedScopes(['orders.read'], ['orders.read', 'inventory.read'], policy)).toEqual(['orders.read']);
  });
});

describe('checkMayAct (RFC 8693 §4.4)', () => {
  it('lets anyone act without may_act, and only the named party with it', () => {
    expect(() => checkMayAct(subject(), { sub: 'anyone', iss: ISS })).not.toThrow();
    const may = subject({ mayAct: { sub: 'orders-svc' } });
    expect(() => checkMayAct(may, { sub: 'orders-svc', iss: ISS })).not.toThrow();
    expect(() => checkMayAct(may, { sub: 'billing-svc', iss: ISS })).toThrow(InvalidRequest);
  });

  it('also compares iss when may_act names one', () => {
    const may = subject({ mayAct: { sub: 'orders-svc', iss: 'https://idp.example' } });
    expect(() => checkMayAct(may, { sub: 'orders-svc', iss: ISS })).toThrow(InvalidRequest);
    expect(() => checkMayAct(may, { sub: 'orders-svc', iss: 'https://idp.example' })).not.toThrow();
  });
});

describe('actClaim (RFC 8693 §4.1)', () => {
  it('names the current actor and nests the prior ones; iss only for another issuer', () => {
    expect(actClaim({ sub: 'orders-svc', iss: ISS }, ISS, undefined)).toEqual({ sub: 'orders-svc' });
    const chained = actClaim({ sub: 'w', iss: 'https://idp.example' }, ISS, { sub: 'orders-svc' });
    expect(chained).toEqual({ sub: 'w', iss: 'https://idp.example', act: { sub: 'orders-svc' } });
    expect(actDepth(chained)).toBe(2);
    expect(actDepth(undefined)).toBe(0);
  });
});
