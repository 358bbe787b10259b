/** RFC 7662 §2.2 introspection response. An inactive token yields `{active: false}` and nothing else. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      client_id: string;
      /** Space-delimited (RFC 7662 §2.2), whatever TOKEN_SCOPE_FORMAT puts into the JWT. */
      scope?: string;
      token_type: 'Bearer';
      exp: number;
      iat: number;
      nbf?: number;
      sub: string;
      aud?: string | string[];
      iss: string;
      jti: string;
      /** RFC 8693 §4.1: the acting party of an exchanged token, prior actors nested. */
      act?: unknown;
    };
