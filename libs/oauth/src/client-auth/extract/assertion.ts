import { decodeJwt } from 'jose';
import { InvalidRequest } from '../../errors';
import type { CredentialSource, PresentedCredentials } from './presented-credentials';

/** RFC 7523 §2.2 */
const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A JWT assertion (RFC 7521 §4.2, RFC 7523 §2.2): undefined when neither client_assertion nor
 * client_assertion_type is present; both are required, with the JWT bearer type.
 */
export function extractAssertion(src: CredentialSource): PresentedCredentials | undefined {
  const type = src.params.get('client_assertion_type');
  const assertion = src.params.get('client_assertion');
  if (type === undefined && assertion === undefined) return undefined;
  if (type === undefined) throw new InvalidRequest('client_assertion without client_assertion_type (RFC 7521 §4.2)');
  if (assertion === undefined) throw new InvalidRequest('client_assertion_type without client_assertion (RFC 7521 §4.2)');
  if (type !== JWT_BEARER_ASSERTION_TYPE) {
    throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} (RFC 7523 §2.2)`);
  }
  const bodyClientId = src.params.get('client_id');
  return { method: 'jwt_assertion', clientId: bodyClientId ?? issuerOf(assertion), proof: { kind: 'assertion', assertion, bodyClientId } };
}

/** The unverified `iss` of an assertion, only to key the throttle and name the caller in the security log. */
function issuerOf(assertion: string): string {
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' ? iss : '';
  } catch {
    return '';
  }
}
