/** The two shared-secret methods (RFC 6749 §2.3.1). */
type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * What a request presents to prove which client it is, before anything is checked: the method, the client id it
 * names (for an assertion: the body's client_id, else the unverified `iss`, only to key the throttle and the log),
 * and the proof.
 */
export type PresentedCredentials =
  | { readonly method: SecretMethod; readonly clientId: string; readonly proof: { readonly kind: 'secret'; readonly secret: string } }
  /** RFC 8705 §2: client_id alone; the TLS client certificate of the connection (or a trusted proxy's header) proves it. */
  | { readonly method: 'mutual_tls'; readonly clientId: string; readonly proof: { readonly kind: 'certificate' } }
  | {
      readonly method: 'jwt_assertion';
      readonly clientId: string;
      readonly proof: { readonly kind: 'assertion'; readonly assertion: string; readonly bodyClientId: string | undefined };
    };

/** What the extractors read of a request: the Authorization header and the parsed parameters. */
export interface CredentialSource {
  readonly authorization: string | undefined;
  readonly params: ReadonlyMap<string, string>;
}
