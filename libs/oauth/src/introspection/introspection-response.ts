import type { Confirmation } from '../dpop/confirmation';

/** RFC 7662 §2.2 introspection response. An inactive token yields `{active: false}` and nothing else. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      client_id: string;
      /** Space-delimited (RFC 7662 §2.2), whatever TOKEN_SCOPE_FORMAT puts into the JWT. */
      scope?: string;
      /** RFC 9449 §6.2: DPoP for a DPoP-bound token. */
      token_type: 'Bearer' | 'DPoP';
      exp: number;
      iat: number;
      nbf?: number;
      sub: string;
      aud?: string | string[];
      iss: string;
      jti: string;
      /** RFC 8693 §4.1: the acting party of an exchanged token, prior actors nested. */
      act?: unknown;
      /** RFC 9449 §6.2, RFC 8705 §3.2: what the token is bound to. */
      cnf?: Confirmation;
    };
