import { ADMIN_ID, ADMIN_SECRET, basic, postForm, type TestApp } from './test-app';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  text: string;
}

/** POST {BASE_PATH}/oauth2/token with client_secret_basic. */
export function requestToken(
  t: TestApp,
  clientId: string,
  secret: string,
  form: Record<string, string> = { grant_type: 'client_credentials' },
) {
  return postForm(`${t.baseUrl}/oauth2/token`, form, { authorization: basic(clientId, secret) });
}

/** An access token of the given client; fails the test when the token endpoint refuses. */
export async function accessToken(t: TestApp, clientId: string, secret: string, form?: Record<string, string>): Promise<string> {
  const res = await requestToken(t, clientId, secret, form);
  if (res.status !== 200) throw new Error(`token request for ${clientId} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** A token of the bootstrap admin client (scope admin, audience {ISSUER}/admin). */
export function adminToken(t: TestApp): Promise<string> {
  return accessToken(t, ADMIN_ID, ADMIN_SECRET);
}

/** A JSON request to {BASE_PATH}{path}; `body` as a string is sent verbatim. */
export async function call<T = any>(
  t: TestApp,
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
  const res = await fetch(`${t.baseUrl}${path}`, { method, headers: { ...headers, ...opts.headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

/** A bound admin client for one test app and token. */
export function adminApi(t: TestApp, token: string) {
  return {
    get: <T = any>(path: string) => call<T>(t, 'GET', path, { token }),
    post: <T = any>(path: string, body?: unknown) => call<T>(t, 'POST', path, { token, body }),
    patch: <T = any>(path: string, body?: unknown) => call<T>(t, 'PATCH', path, { token, body }),
    delete: <T = any>(path: string) => call<T>(t, 'DELETE', path, { token }),
  };
}
