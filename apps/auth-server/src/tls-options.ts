import type { AppConfig } from '@app/config';
import { readFileSync } from 'node:fs';
import type { SecureServerOptions } from 'node:http2';

/**
 * Sender-constrained tokens: with TLS_CERT_FILE and TLS_KEY_FILE the server terminates TLS itself. With
 * MTLS_CLIENT_CA_FILE it asks for a client certificate but does not require one (RFC 8705 §2: most clients
 * authenticate otherwise) nor reject an unknown one at the handshake: the token endpoint judges it per client
 * (a self-signed certificate is valid for self_signed_tls_client_auth).
 */
export function tlsServerOptions(config: AppConfig): { https: SecureServerOptions } | Record<string, never> {
  const sc = config.senderConstraint;
  if (sc.tlsCertFile === undefined || sc.tlsKeyFile === undefined) return {};
  return {
    https: {
      cert: readFileSync(sc.tlsCertFile),
      key: readFileSync(sc.tlsKeyFile),
      ...(sc.mtlsClientCaFile !== undefined ? { requestCert: true, rejectUnauthorized: false, ca: sc.mtlsClientCa } : {}),
    },
  };
}
