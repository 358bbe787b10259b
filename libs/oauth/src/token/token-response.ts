/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: DPoP for a DPoP-bound token. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  /** RFC 8693 §2.2.1: the type of the token issued by a token exchange. */
  issued_token_type?: string;
}
