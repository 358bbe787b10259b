import { ClientEntity } from '@app/clients';
import type { OAuthParams } from '../client-auth';
import type { AccessTokenClaims, AccessTokenVerifier } from '../token/access-token.verifier';
import { IntrospectionService } from './introspection.service';

const claims: AccessTokenClaims = {
  iss: 'https://as.example.com',
  sub: 'owner',
  client_id: 'owner',
  aud: ['https://api.example.com/', 'orders'],
  scope: ['a', 'b'],
  jti: 'j1',
  iat: 1000,
  nbf: 1000,
  exp: 2000,
};

/** A verifier stand-in that knows one active token, "good". */
const verifier = { verify: async (t: string) => (t === 'good' ? claims : null) } as unknown as AccessTokenVerifier;
const svc = new IntrospectionService(verifier);
const caller = (clientId: string, introspectAny = false): ClientEntity => Object.assign(new ClientEntity(), { clientId, introspectAny });
const params = (p: Record<string, string>): OAuthParams => ({ single: new Map(Object.entries(p)), resource: [] });

describe('IntrospectionService (RFC 7662)', () => {
  it('describes an active token to its own client, scope as a space-delimited string', async () => {
    await expect(svc.introspect(caller('owner'), params({ token: 'good' }))).resolves.toEqual({
      active: true,
      client_id: 'owner',
      scope: 'a b',
      token_type: 'Bearer',
      exp: 2000,
      iat: 1000,
      nbf: 1000,
      sub: 'owner',
      aud: ['https://api.example.com/', 'orders'],
      iss: 'https://as.example.com',
      jti: 'j1',
    });
  });

  it('hides another client’s token unless the caller may introspect any token (§4)', async () => {
    await expect(svc.introspect(caller('other'), params({ token: 'good' }))).resolves.toEqual({ active: false });
    await expect(svc.introspect(caller('other', true), params({ token: 'good' }))).resolves.toMatchObject({
      active: true,
      client_id: 'owner',
    });
  });

  it('answers {active:false} for anything the verifier refuses, whatever the hint', async () => {
    await expect(svc.introspect(caller('owner'), params({ token: 'bad', token_type_hint: 'refresh_token' }))).resolves.toEqual({
      active: false,
    });
  });

  it('requires the token parameter', async () => {
    await expect(svc.introspect(caller('owner'), params({}))).rejects.toMatchObject({ error: 'invalid_request', status: 400 });
  });
});
