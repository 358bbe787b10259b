import { splitScope, toClientColumns } from './client-metadata';

describe('client metadata mapping', () => {
  it('maps only the fields present, de-duplicating scopes and grant types', () => {
    expect(toClientColumns({})).toEqual({});
    expect(
      toClientColumns({
        scope: 'b a b',
        grant_types: ['client_credentials', 'client_credentials'],
        client_name: null,
        access_token_ttl: null,
        enabled: true,
      }),
    ).toEqual({
      scopes: ['b', 'a'],
      grantTypes: ['client_credentials'],
      clientName: null,
      accessTokenTtl: null,
      enabled: true,
    });
    expect(toClientColumns({ audience: ['x'], introspect_any_token: false, token_endpoint_auth_method: 'client_secret_basic' })).toEqual({
      audiences: ['x'],
      introspectAny: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
  });

  it('splits a scope string into unique tokens', () => {
    expect(splitScope('a b a')).toEqual(['a', 'b']);
    expect(splitScope('')).toEqual([]);
  });
});
