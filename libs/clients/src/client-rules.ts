import type { ConfigRule, TokenConfig } from '@app/config';

/*
 * The rules a client and its tokens follow, in one place for the admin API, the CLI, the token endpoint and
 * the client services.
 */

/** RFC 6749 §3.3 scope-token characters: %x21 / %x23-5B / %x5D-7E (printable ASCII but space, `"` and `\`). */
const SCOPE_CHAR = '[\\x21\\x23-\\x5B\\x5D-\\x7E]';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
export const SCOPE_TOKEN = new RegExp(`^${SCOPE_CHAR}+$`);

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), as a client's registered scope is stored and shown. */
export const SCOPE_LIST = new RegExp(`^${SCOPE_CHAR}+( ${SCOPE_CHAR}+)*$`);

/** ADMIN_SCOPE is the one scope the admin API requires: a single scope-token, or no token could carry it. */
const adminScopeIsOneToken: ConfigRule = (config) =>
  SCOPE_TOKEN.test(config.admin.scope) ? [] : ['ADMIN_SCOPE must be a single RFC 6749 §3.3 scope token'];

/** The configuration checks these rules own, for parseConfig (the composition root passes them in). */
export const CLIENT_CONFIG_RULES: readonly ConfigRule[] = [adminScopeIsOneToken];

/**
 * The lifetime of the access tokens a client gets: its own access_token_ttl, else ACCESS_TOKEN_TTL, never above
 * MAX_ACCESS_TOKEN_TTL.
 */
export function accessTokenLifetime(clientTtl: number | null, tokens: Pick<TokenConfig, 'accessTokenTtl' | 'maxAccessTokenTtl'>): number {
  return Math.min(clientTtl ?? tokens.accessTokenTtl, tokens.maxAccessTokenTtl);
}

/** PostgreSQL text cannot hold NUL, so such an id names no client (and must not reach a query, which would fail). */
export function storableClientId(clientId: string): boolean {
  return !clientId.includes('\u0000');
}
