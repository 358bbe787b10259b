import type { ClientEntity } from '@app/clients';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from '../errors';

/** Parameters of an OAuth endpoint request, each single-valued except those allowed to repeat. */
export interface OAuthParams {
  readonly single: ReadonlyMap<string, string>;
  /** RFC 8707 §2: `resource` may be given more than once. */
  readonly resource: readonly string[];
}

export interface OAuthRequestState {
  params: OAuthParams;
  client?: ClientEntity;
}

type WithOAuth = FastifyRequest & { oauth?: OAuthRequestState };

export function oauthState(req: FastifyRequest): OAuthRequestState | undefined {
  return (req as WithOAuth).oauth;
}

export function setOAuthState(req: FastifyRequest, state: OAuthRequestState): void {
  (req as WithOAuth).oauth = state;
}

const REPEATABLE = new Set(['resource']);
/** RFC 6749 §2.3.1: client credentials MUST NOT be included in the request URI. */
const FORBIDDEN_IN_QUERY = new Set(['client_secret', 'client_id', 'client_assertion', 'client_assertion_type']);

function isFormBody(req: FastifyRequest): boolean {
  const ct = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  return ct === 'application/x-www-form-urlencoded';
}

function hasBody(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body.length > 0;
  return typeof body !== 'object' || Object.keys(body).length > 0;
}

/**
 * Reads OAuth parameters from the form body (RFC 6749 §3.2) and, for `queryParams` only, from the query
 * string (the seed's request sends grant_type and scope there, with no body at all). Parameters without a
 * value count as omitted (RFC 6749 §3.1); a parameter given twice, in one place or across both, is
 * invalid_request (§3.1), except `resource`.
 */
export function parseOAuthParams(req: FastifyRequest, queryParams: ReadonlySet<string>): OAuthParams {
  const body = req.body;
  const withBody = hasBody(body);
  if (withBody && (!isFormBody(req) || typeof body !== 'object' || Buffer.isBuffer(body))) {
    throw new InvalidRequest('The request body must be application/x-www-form-urlencoded');
  }
  // Runs on every token request: plain loops, no intermediate arrays per parameter.
  const values = new Map<string, string[]>();
  const put = (name: string, raw: unknown): void => {
    // Form and query parsers yield strings; anything else counts as no value.
    const v = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
    if (v === '') return;
    const list = values.get(name);
    if (list) list.push(v);
    else values.set(name, [v]);
  };
  const add = (source: Record<string, unknown>, where: 'body' | 'query'): void => {
    for (const name of Object.keys(source)) {
      if (where === 'query') {
        if (FORBIDDEN_IN_QUERY.has(name)) {
          throw new InvalidRequest(`${name} must not be sent in the query string`);
        }
        if (!queryParams.has(name)) continue;
      }
      const raw = source[name];
      if (Array.isArray(raw)) for (const v of raw) put(name, v);
      else put(name, raw);
    }
  };
  if (withBody) add(body as Record<string, unknown>, 'body');
  const query = req.query;
  if (query && typeof query === 'object') add(query as Record<string, unknown>, 'query');

  const single = new Map<string, string>();
  let resource: string[] = [];
  for (const [name, list] of values) {
    if (REPEATABLE.has(name)) {
      resource = list;
    } else if (list.length > 1) {
      throw new InvalidRequest(`Parameter ${name} must not be repeated`);
    } else {
      single.set(name, list[0]);
    }
  }
  return { single, resource };
}
