import { ClientEntity } from './client.entity';
import { toClientView } from './client-view';

function entity(over: Partial<ClientEntity> = {}): ClientEntity {
  return Object.assign(new ClientEntity(), {
    clientId: 'svc',
    clientName: 'Service',
    secretHash: '$scrypt$ln=12,r=8,p=1$c2FsdA$aGFzaA',
    previousSecretHash: '$scrypt$ln=12,r=8,p=1$b2xk$b2xk',
    previousSecretExpiresAt: new Date('2030-01-01T00:00:00Z'),
    scopes: ['a', 'b'],
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'client_secret_post',
    accessTokenTtl: 60,
    audiences: ['https://api', 'https://other'],
    introspectAny: true,
    enabled: false,
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    updatedAt: new Date('2026-01-03T00:00:00.000Z'),
    ...over,
  });
}

describe('client view', () => {
  it('shows a client in RFC 7591 names and never a secret or its hash', () => {
    const view = toClientView(entity());
    expect(view).toEqual({
      client_id: 'svc',
      client_name: 'Service',
      scope: 'a b',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      access_token_ttl: 60,
      audience: ['https://api', 'https://other'],
      introspect_any_token: true,
      dpop_bound_access_tokens: false,
      tls_client_certificate_bound_access_tokens: false,
      enabled: false,
      client_id_issued_at: 1767323045,
      client_secret_expires_at: 0,
      created_at: '2026-01-02T03:04:05.678Z',
      updated_at: '2026-01-03T00:00:00.000Z',
    });
    expect(JSON.stringify(view)).not.toContain('scrypt');
  });
});
