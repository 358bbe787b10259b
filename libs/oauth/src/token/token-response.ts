/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: DPoP for a DPoP-bound token. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
}
