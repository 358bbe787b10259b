import type { ClientEntity } from '@app/clients';
import { InvalidTarget } from '../errors';
import type { OAuthParams } from '../client-auth';

/**
 * The token's `aud`: RFC 8707 `resource` values (absolute URIs without fragment, may repeat) and/or the
 * space-delimited `audience` parameter (as Hydra and Auth0 accept), each registered for the client;
 * otherwise the client's default audience (its first), else its client id, as in the seed.
 *
 * One audience per purpose: a token for the admin API (`adminAudience`) carries no other audience, so a token
 * handed to a resource server can never be replayed against the admin API (RFC 8707 §4, audience restriction).
 */
export function resolveAudience(client: ClientEntity, params: OAuthParams, adminAudience?: string): string | string[] {
  const requested: string[] = [];
  for (const r of params.resource) {
    let url: URL | undefined;
    try {
      url = new URL(r);
    } catch {
      url = undefined;
    }
    if (!url || r.includes('#')) throw new InvalidTarget('A resource must be an absolute URI without a fragment (RFC 8707 §2)');
    requested.push(r);
  }
  const audience = params.single.get('audience');
  if (audience !== undefined) requested.push(...audience.split(' ').filter((a) => a !== ''));
  if (requested.length === 0) return client.audiences[0] ?? client.clientId;
  const unique = [...new Set(requested)];
  const allowed = new Set(client.audiences.length ? client.audiences : [client.clientId]);
  const refused = unique.filter((a) => !allowed.has(a));
  if (refused.length) throw new InvalidTarget(`The requested resource is not registered for this client: ${refused.join(' ')}`);
  if (adminAudience !== undefined && unique.length > 1 && unique.includes(adminAudience)) {
    throw new InvalidTarget('A token for the admin API cannot carry any other audience: request it separately');
  }
  return unique.length === 1 ? unique[0] : unique;
}
