import type { CredentialSource, PresentedCredentials } from './presented-credentials';

/**
 * `tls_client_auth` / `self_signed_tls_client_auth` (RFC 8705 §2): client_id in the body and nothing else; the
 * certificate itself is read and checked by the authenticator. Undefined without a client_id.
 */
export function extractCertificate(src: CredentialSource): PresentedCredentials | undefined {
  const clientId = src.params.get('client_id');
  return clientId === undefined ? undefined : { method: 'mutual_tls', clientId, proof: { kind: 'certificate' } };
}
