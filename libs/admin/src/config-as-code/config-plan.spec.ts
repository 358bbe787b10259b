import type { ClientView, TrustedIssuerView } from '@app/clients';
import { ManagedElsewhereError } from './config-errors';
import { planChanges } from './config-plan';
import type { CurrentState, DesiredState } from './desired-state';

function client(id: string, over: Partial<ClientView> = {}): ClientView {
  return {
    client_id: id,
    client_name: null,
    scope: 'orders.read',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    access_token_ttl: null,
    audience: [],
    introspect_any_token: false,
    enabled: true,
    dpop_bound_access_tokens: false,
    tls_client_certificate_bound_access_tokens: false,
    client_id_issued_at: 0,
    client_secret_expires_at: 0,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

function issuer(iss: string, over: Partial<TrustedIssuerView> = {}): TrustedIssuerView {
  return {
    issuer: iss,
    jwks_uri: null,
    signing_alg_values: ['RS256', 'ES256'],
    max_assertion_lifetime: 3600,
    replay_protection: false,
    allow_private_network: false,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

const state = (clients: ClientView[], trusted_issuers: TrustedIssuerView[] = []): CurrentState => ({ clients, trusted_issuers });
const file = (over: Partial<DesiredState>): DesiredState => ({ clients: [], trusted_issuers: [], ...over });

describe('planChanges', () => {
  it('creates a client the file names and the server lacks, with the fields the file sets and its label', () => {
    const plan = planChanges(
      file({ managed_by: 'repo', clients: [{ client_id: 'orders', scope: 'orders.read', audience: ['https://api'] }] }),
      state([]),
    );
    expect(plan).toEqual([
      {
        kind: 'client',
        id: 'orders',
        action: 'create',
        fields: [
          { field: 'scope', to: 'orders.read' },
          { field: 'audience', to: ['https://api'] },
          { field: 'managed_by', to: 'repo' },
        ],
      },
    ]);
  });

  it('leaves out a client whose every field matches, including scopes in another order (RFC 6749 §3.3: a set)', () => {
    const current = state([
      client('orders', { scope: 'a b', managed_by: 'repo', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } }),
    ]);
    const desired = file({
      managed_by: 'repo',
      clients: [{ client_id: 'orders', scope: 'b a', jwks: { keys: [{ y: 'y', x: 'x', crv: 'P-256', kty: 'EC' }] } }],
    });
    expect(planChanges(desired, current)).toEqual([]);
  });

  it('updates field by field, and a field the file leaves out goes back to its default', () => {
    const current = state([client('orders', { client_name: 'Orders', access_token_ttl: 600, audience: ['https://a', 'https://b'] })]);
    const plan = planChanges(
      file({ clients: [{ client_id: 'orders', scope: 'orders.read orders.write', audience: ['https://b', 'https://a'] }] }),
      current,
    );
    expect(plan).toEqual([
      {
        kind: 'client',
        id: 'orders',
        action: 'update',
        fields: [
          { field: 'client_name', from: 'Orders', to: null },
          { field: 'scope', from: 'orders.read', to: 'orders.read orders.write' },
          { field: 'access_token_ttl', from: 600, to: null },
          // The first audience is the default one, so the order is a change.
          { field: 'audience', from: ['https://a', 'https://b'], to: ['https://b', 'https://a'] },
        ],
      },
    ]);
  });

  it('calls a change that only turns enabled off a disable', () => {
    const plan = planChanges(file({ clients: [{ client_id: 'orders', scope: 'orders.read', enabled: false }] }), state([client('orders')]));
    expect(plan).toEqual([{ kind: 'client', id: 'orders', action: 'disable', fields: [{ field: 'enabled', from: true, to: false }] }]);
  });

  it('labels a hand-made client the file names, so a later prune may remove it', () => {
    const plan = planChanges(
      file({ managed_by: 'repo', clients: [{ client_id: 'orders', scope: 'orders.read' }] }),
      state([client('orders')]),
    );
    expect(plan).toEqual([{ kind: 'client', id: 'orders', action: 'update', fields: [{ field: 'managed_by', from: null, to: 'repo' }] }]);
  });

  it('refuses to change a client another file manages, naming it and its owner', () => {
    const current = state([client('orders', { managed_by: 'other-repo' })]);
    expect(() => planChanges(file({ managed_by: 'repo', clients: [{ client_id: 'orders', scope: 'orders.read' }] }), current)).toThrow(
      ManagedElsewhereError,
    );
    expect(() => planChanges(file({ clients: [{ client_id: 'orders', scope: 'orders.read' }] }), current)).toThrow(
      /client "orders" is managed by "other-repo"/,
    );
  });

  describe('prune', () => {
    const current = state([
      client('kept', { managed_by: 'repo' }),
      client('gone-b', { managed_by: 'repo' }),
      client('gone-a', { managed_by: 'repo' }),
      client('off', { managed_by: 'repo', enabled: false }),
      client('by-hand'),
      client('other', { managed_by: 'other-repo' }),
      client('admin', { managed_by: 'repo' }),
    ]);
    const desired = file({ managed_by: 'repo', clients: [{ client_id: 'kept', scope: 'orders.read' }] });

    it('without --prune, leaves clients the file no longer names alone', () => {
      expect(planChanges(desired, current)).toEqual([]);
    });

    it('deletes only the clients carrying the file label, never hand-made ones, other files’ or the admin client', () => {
      const plan = planChanges(desired, current, { prune: 'delete', protectedClientIds: ['admin'] });
      expect(plan.map((c) => `${c.action} ${c.id}`)).toEqual(['delete gone-a', 'delete gone-b', 'delete off']);
    });

    it('with --prune=disable, disables them instead, and a disabled one is unchanged', () => {
      const plan = planChanges(desired, current, { prune: 'disable', protectedClientIds: ['admin'] });
      expect(plan).toEqual([
        { kind: 'client', id: 'gone-a', action: 'disable', fields: [{ field: 'enabled', from: true, to: false }] },
        { kind: 'client', id: 'gone-b', action: 'disable', fields: [{ field: 'enabled', from: true, to: false }] },
      ]);
    });

    it('prunes nothing when the file has no managed_by (nothing marks what it owns)', () => {
      expect(planChanges(file({ clients: [] }), current, { prune: 'delete' })).toEqual([]);
    });
  });

  it('plans trusted issuers before clients, since federated credentials name them', () => {
    const desired = file({
      clients: [{ client_id: 'deployer', scope: 'x', token_endpoint_auth_method: 'private_key_jwt' }],
      trusted_issuers: [
        { issuer: 'https://new.example' },
        { issuer: 'https://old.example', signing_alg_values: ['ES256', 'RS256'], replay_protection: true },
      ],
    });
    const plan = planChanges(desired, state([], [issuer('https://old.example')]));
    expect(plan).toEqual([
      { kind: 'trusted_issuer', id: 'https://new.example', action: 'create', fields: [] },
      {
        kind: 'trusted_issuer',
        id: 'https://old.example',
        action: 'update',
        fields: [{ field: 'replay_protection', from: false, to: true }],
      },
      {
        kind: 'client',
        id: 'deployer',
        action: 'create',
        fields: [
          { field: 'scope', to: 'x' },
          { field: 'token_endpoint_auth_method', to: 'private_key_jwt' },
        ],
      },
    ]);
  });
});
