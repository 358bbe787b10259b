import { InvalidClient, InvalidRequest } from '../../errors';
import { extractAssertion } from './assertion';
import { extractBasic } from './basic';
import { extractCertificate } from './certificate';
import { extractPost } from './post';
import type { CredentialSource, PresentedCredentials } from './presented-credentials';

export type { CredentialSource, PresentedCredentials } from './presented-credentials';

/**
 * The one client-authentication method a request uses (RFC 6749 §2.3: exactly one): a JWT assertion, HTTP Basic,
 * client_id/client_secret in the body, or client_id alone with a TLS client certificate (RFC 8705 §2). Two at once
 * is invalid_request; none is invalid_client.
 */
export function extractCredentials(src: CredentialSource, realm: string): PresentedCredentials {
  const assertion = src.params.has('client_assertion') || src.params.has('client_assertion_type');
  const methods = Number(assertion) + Number(src.authorization !== undefined) + Number(src.params.has('client_secret'));
  if (methods > 1) throw new InvalidRequest('Use exactly one client authentication method (RFC 6749 §2.3)');
  const found = assertion ? extractAssertion(src) : (extractBasic(src, realm) ?? extractPost(src) ?? extractCertificate(src));
  if (!found) throw new InvalidClient(realm, 'no client authentication');
  return found;
}
