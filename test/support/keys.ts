import { PLAYGROUND_CLIENT } from '@app/clients';
import { decodeProtectedHeader, type JWK, type ProtectedHeaderParameters } from 'jose';
import { accessToken } from './admin-api';

/** A token for the seeded playground client, and its JOSE header. */
export async function playgroundToken(baseUrl: string): Promise<{ token: string; header: ProtectedHeaderParameters }> {
  const token = await accessToken(baseUrl, PLAYGROUND_CLIENT.clientId, PLAYGROUND_CLIENT.secret);
  return { token, header: decodeProtectedHeader(token) };
}

export async function fetchJwks(baseUrl: string): Promise<{ keys: JWK[]; cacheControl: string | null }> {
  const res = await fetch(`${baseUrl}/oauth2/jwks`);
  if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
  return { ...((await res.json()) as { keys: JWK[] }), cacheControl: res.headers.get('cache-control') };
}

export const kids = (keys: JWK[]): string[] => keys.map((k) => k.kid!);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Sleeps until an ISO time has passed (bounded, so a wrong value cannot hang the test). */
export async function sleepUntil(iso: string, maxMs = 15_000): Promise<void> {
  const ms = Date.parse(iso) - Date.now();
  if (ms > maxMs) throw new Error(`${iso} is more than ${maxMs} ms away`);
  if (ms > 0) await sleep(ms + 50);
}

/** Key members that only a private JWK has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2). */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
