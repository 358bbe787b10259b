import { InvalidClient, InvalidRequest } from '../../errors';
import { parseBasicAuthorization } from '../basic-credentials';
import type { CredentialSource, PresentedCredentials } from './presented-credentials';

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): undefined without an Authorization header. A malformed or non-Basic
 * header is invalid_client (RFC 6750 does not apply here); a client_id in the body must name the same client.
 */
export function extractBasic(src: CredentialSource, realm: string): PresentedCredentials | undefined {
  if (src.authorization === undefined) return undefined;
  const creds = parseBasicAuthorization(src.authorization);
  if (!creds) throw new InvalidClient(realm, 'malformed or non-Basic Authorization header');
  const bodyId = src.params.get('client_id');
  if (bodyId !== undefined && bodyId !== creds.clientId) {
    throw new InvalidRequest('client_id in the body does not match the authenticated client');
  }
  return { method: 'client_secret_basic', clientId: creds.clientId, proof: { kind: 'secret', secret: creds.clientSecret } };
}
