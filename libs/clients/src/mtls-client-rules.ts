import type { FieldProblem } from './client-admin.errors';
import type { ClientEntity, TokenEndpointAuthMethod } from './client.entity';

/** Methods whose client has no secret at all: its proof is a key (RFC 7523 §2.2) or a certificate (RFC 8705 §2). */
export const SECRETLESS_METHODS: readonly TokenEndpointAuthMethod[] = ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];

const SUBJECT_FIELDS = [
  ['tlsClientAuthSubjectDn', 'tls_client_auth_subject_dn'],
  ['tlsClientAuthSanDns', 'tls_client_auth_san_dns'],
  ['tlsClientAuthSanUri', 'tls_client_auth_san_uri'],
  ['tlsClientAuthSanIp', 'tls_client_auth_san_ip'],
  ['tlsClientAuthSanEmail', 'tls_client_auth_san_email'],
] as const;

type MtlsColumns = Pick<ClientEntity, 'tokenEndpointAuthMethod'> & Partial<Pick<ClientEntity, (typeof SUBJECT_FIELDS)[number][0]>>;

/**
 * RFC 8705 §2.1.2: a tls_client_auth client registers exactly one of the subject DN or a SAN to expect; no other
 * method uses them (a stale value would silently matter again after a switch back).
 */
export function mtlsSubjectProblems(c: MtlsColumns): FieldProblem[] {
  const set = SUBJECT_FIELDS.filter(([col]) => c[col] !== undefined && c[col] !== null);
  if (c.tokenEndpointAuthMethod === 'tls_client_auth') {
    if (set.length === 1) return [];
    return [
      {
        field: set.length === 0 ? 'token_endpoint_auth_method' : set[1][1],
        message: `tls_client_auth needs exactly one of ${SUBJECT_FIELDS.map(([, f]) => f).join(', ')} (RFC 8705 §2.1.2); set the others to null`,
      },
    ];
  }
  return set.map(([, field]) => ({ field, message: `${field} is only used with token_endpoint_auth_method tls_client_auth` }));
}
