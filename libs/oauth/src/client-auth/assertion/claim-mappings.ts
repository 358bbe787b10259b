import type { ClientEntity, FederatedCredential } from '@app/clients';
import { decodeJwt } from 'jose';
import type { OAuthParams } from '../oauth-request';
import { checkAudience, claimHolds, type JwtClaims } from './assertion-claims';

/** The claims a federated credential carries into the access token: only those listed, under their target names. */
export function mappedClaims(claims: JwtClaims, credential: FederatedCredential): Record<string, unknown> | undefined {
  if (!credential.claim_mappings?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const { from, to } of credential.claim_mappings) if (claims[from] !== undefined) out[to] = claims[from];
  return Object.keys(out).length ? out : undefined;
}

/**
 * The mapped claims of a client that authenticated with a platform token (workload identity federation): the
 * client_assertion was verified by client authentication already, so its payload is read here only to pick the
 * credential it matched and copy what that credential maps. Undefined, at the cost of one array scan, for every
 * client without mappings: the token fast path does not decode anything.
 */
export function federatedClaimsOf(client: ClientEntity, params: OAuthParams, defaultAudience: string): Record<string, unknown> | undefined {
  if (!client.federatedCredentials.some((c) => c.claim_mappings?.length)) return undefined;
  const assertion = params.single.get('client_assertion');
  if (assertion === undefined) return undefined;
  const claims = decodeJwt(assertion);
  const credential = client.federatedCredentials.find((c) => {
    if (c.issuer !== claims.iss || c.subject !== claims.sub) return false;
    try {
      checkAudience(claims, [c.audience ?? defaultAudience]);
    } catch {
      return false;
    }
    return Object.entries(c.claims ?? {}).every(([name, want]) => claimHolds(claims[name], want));
  });
  return credential && mappedClaims(claims, credential);
}
