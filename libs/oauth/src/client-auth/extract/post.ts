import { InvalidRequest } from '../../errors';
import type { CredentialSource, PresentedCredentials } from './presented-credentials';

/** `client_secret_post` (RFC 6749 §2.3.1): client_id and client_secret in the form body; undefined without a secret. */
export function extractPost(src: CredentialSource): PresentedCredentials | undefined {
  const secret = src.params.get('client_secret');
  if (secret === undefined) return undefined;
  const clientId = src.params.get('client_id');
  if (clientId === undefined) throw new InvalidRequest('client_secret without client_id');
  return { method: 'client_secret_post', clientId, proof: { kind: 'secret', secret } };
}
