import { type ApiResponse, readResponse } from './http';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, type TestApp } from './test-app';

/** A server under test: an in-process TestApp, or the base URL (origin + BASE_PATH) of a server process. */
export type Target = TestApp | string;

const baseUrl = (target: Target): string => (typeof target === 'string' ? target : target.baseUrl);

/**
 * The one way specs ask for a token with a client secret: POST {BASE_PATH}/oauth2/token with client_secret_basic,
 * grant_type client_credentials unless `params` says otherwise.
 */
export function requestToken(target: Target, clientId: string, secret: string, params: Record<string, string> = {}) {
  return postForm(
    `${baseUrl(target)}/oauth2/token`,
    { grant_type: 'client_credentials', ...params },
    { authorization: basic(clientId, secret) },
  );
}

/** An access token of the given client; fails the test when the token endpoint refuses. */
export async function accessToken(target: Target, clientId: string, secret: string, params?: Record<string, string>): Promise<string> {
  const res = await requestToken(target, clientId, secret, params);
  if (res.status !== 200) throw new Error(`token request for ${clientId} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** A token of the bootstrap admin client (ADMIN_ID / ADMIN_SECRET: scope admin, audience {ISSUER}/admin). */
export function adminToken(target: Target): Promise<string> {
  return accessToken(target, ADMIN_ID, ADMIN_SECRET);
}

/** A JSON request to {BASE_PATH}{path}; `body` as a string is sent verbatim. */
export async function call<T = any>(
  target: Target,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  return readResponse<T>(await fetch(`${baseUrl(target)}${path}`, { method, headers: { ...headers, ...opts.headers }, body }));
}

/**
 * The admin API of one server, called with `token`, or without one with a fresh admin token per call (for
 * tests in which signing keys change between calls).
 */
export function adminApi(target: Target, token?: string) {
  const send = async <T>(method: string, path: string, body?: unknown) =>
    call<T>(target, method, path, { token: token ?? (await adminToken(target)), body });
  return {
    get: <T = any>(path: string) => send<T>('GET', path),
    post: <T = any>(path: string, body?: unknown) => send<T>('POST', path, body),
    patch: <T = any>(path: string, body?: unknown) => send<T>('PATCH', path, body),
    delete: <T = any>(path: string) => send<T>('DELETE', path),
  };
}
