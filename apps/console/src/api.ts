/*
 * The admin API and the token endpoint of the server that serves the console. The access token lives in this
 * module's memory only (never localStorage, sessionStorage or a cookie): a reload or a closed tab signs out.
 */

/** {BASE_PATH}: the console is served at {BASE_PATH}/console/. */
const BASE = location.pathname.replace(/\/console(\/.*)?$/, '');

export interface FieldProblem {
  field: string;
  message: string;
}

/** An error answer of the API: RFC 6749 §5.2 / RFC 7591 §3.2.2 shape, plus the admin API's details and ids. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly details: FieldProblem[] = [],
    readonly clientIds: string[] = [],
  ) {
    super(description || code || `HTTP ${status}`);
  }
}

interface Session {
  token: string;
  clientId: string;
  expiresAt: number;
}

let session: Session | undefined;
let expiryTimer: number | undefined;
let onSignedOut: (reason: string) => void = () => undefined;

export function currentSession(): Readonly<Session> | undefined {
  return session;
}

/** Called with the reason whenever the session ends on its own (expiry, a rejected token). */
export function whenSignedOut(fn: (reason: string) => void): void {
  onSignedOut = fn;
}

export function signOut(reason = ''): void {
  session = undefined;
  if (expiryTimer !== undefined) clearTimeout(expiryTimer);
  expiryTimer = undefined;
  onSignedOut(reason);
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: 'unexpected_response', error_description: text.slice(0, 200) };
  }
}

function toError(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  return new ApiError(
    status,
    typeof b.error === 'string' ? b.error : `http_${status}`,
    typeof b.error_description === 'string' ? b.error_description : status >= 500 ? 'The server could not answer; try again.' : '',
    Array.isArray(b.details) ? (b.details as FieldProblem[]) : [],
    Array.isArray(b.client_ids) ? (b.client_ids as string[]) : [],
  );
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basic(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  const bytes = new TextEncoder().encode(`${enc(id)}:${enc(secret)}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * Client credentials grant at this server's token endpoint, then one admin call to check that the token opens
 * the admin API (the client holds ADMIN_SCOPE and the admin audience).
 */
export async function signIn(clientId: string, secret: string): Promise<void> {
  const res = await fetch(`${BASE}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    credentials: 'omit',
  });
  const body = (await parse(res)) as Record<string, unknown> | undefined;
  if (!res.ok) {
    if (res.status === 401) throw new ApiError(401, 'invalid_client', 'The client id or the secret is wrong, or the client is disabled.');
    throw toError(res.status, body);
  }
  const token = String(body?.access_token);
  const expiresIn = Number(body?.expires_in ?? 300);
  const check = await fetch(`${BASE}/admin/keys`, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
  if (check.status === 401 || check.status === 403) {
    throw new ApiError(
      check.status,
      'not_admin',
      `${clientId} signed in, but may not use the admin API: it needs the admin scope and audience.`,
    );
  }
  if (!check.ok) throw toError(check.status, await parse(check));
  session = { token, clientId, expiresAt: Date.now() + expiresIn * 1000 };
  expiryTimer = window.setTimeout(() => signOut('Your session expired. Sign in again to continue.'), expiresIn * 1000);
}

/** An admin API call; a 401 (token expired or revoked) ends the session with a message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!session) throw new ApiError(401, 'signed_out', 'You are signed out.');
  let res: Response;
  try {
    res = await fetch(`${BASE}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${session.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Nothing was changed by this page; try again.');
  }
  const parsed = await parse(res);
  if (res.status === 401) {
    signOut('Your session ended: the server no longer accepts its token (expired or revoked). Sign in again.');
    throw toError(401, parsed);
  }
  if (!res.ok) throw toError(res.status, parsed);
  return parsed as T;
}

/** The status as well as the body (key rotation answers 202 when the next key is not ready yet). */
export async function apiWithStatus<T>(method: string, path: string): Promise<{ status: number; body: T }> {
  if (!session) throw new ApiError(401, 'signed_out', 'You are signed out.');
  const res = await fetch(`${BASE}/admin${path}`, { method, headers: { authorization: `Bearer ${session.token}` }, credentials: 'omit' });
  const parsed = await parse(res);
  if (res.status === 401) {
    signOut('Your session ended: the server no longer accepts its token (expired or revoked). Sign in again.');
    throw toError(401, parsed);
  }
  if (!res.ok) throw toError(res.status, parsed);
  return { status: res.status, body: parsed as T };
}

export const enc = encodeURIComponent;
