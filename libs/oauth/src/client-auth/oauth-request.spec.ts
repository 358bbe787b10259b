import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import { parseOAuthParams } from './oauth-request';

const FORM = 'application/x-www-form-urlencoded';
const QUERY = new Set(['grant_type', 'scope', 'resource', 'audience']);

/** The parts of a Fastify request the parser reads, as Fastify hands them over after parsing. */
function request(body: unknown, query: Record<string, unknown> = {}, contentType: string | undefined = FORM): FastifyRequest {
  return { body, query, headers: contentType === undefined ? {} : { 'content-type': contentType } } as unknown as FastifyRequest;
}

function errorOf(fn: () => unknown): { error: string; status: number } | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return { error: e.error, status: e.status };
    throw e;
  }
  return undefined;
}

describe('parseOAuthParams', () => {
  it('reads the form body', () => {
    const p = parseOAuthParams(request({ grant_type: 'client_credentials', scope: 'a b' }), QUERY);
    expect(Object.fromEntries(p.single)).toEqual({ grant_type: 'client_credentials', scope: 'a b' });
    expect(p.resource).toEqual([]);
  });

  it('reads the allowed parameters from the query string when there is no body (the seed request)', () => {
    const p = parseOAuthParams(request(undefined, { grant_type: 'client_credentials', scope: 'a b' }, undefined), QUERY);
    expect(Object.fromEntries(p.single)).toEqual({ grant_type: 'client_credentials', scope: 'a b' });
  });

  it('ignores query parameters the endpoint does not read from the query string', () => {
    const p = parseOAuthParams(request({ grant_type: 'client_credentials' }, { token: 'abc', foo: 'bar' }), QUERY);
    expect(Object.fromEntries(p.single)).toEqual({ grant_type: 'client_credentials' });
    expect(Object.fromEntries(parseOAuthParams(request(undefined, { grant_type: 'x' }), new Set()).single)).toEqual({});
  });

  it('merges body and query when each names different parameters', () => {
    const p = parseOAuthParams(request({ scope: 'a' }, { grant_type: 'client_credentials' }), QUERY);
    expect(Object.fromEntries(p.single)).toEqual({ grant_type: 'client_credentials', scope: 'a' });
  });

  it('treats a parameter without a value as omitted (RFC 6749 §3.1)', () => {
    const p = parseOAuthParams(request({ grant_type: 'client_credentials', scope: '' }, { scope: '' }), QUERY);
    expect(Object.fromEntries(p.single)).toEqual({ grant_type: 'client_credentials' });
  });

  it.each([
    ['grant_type twice in the body', { grant_type: ['client_credentials', 'client_credentials'] }, {}],
    ['scope twice in the query', undefined, { scope: ['a', 'b'] }],
    ['grant_type in body and query', { grant_type: 'client_credentials' }, { grant_type: 'client_credentials' }],
    ['scope in body and query', { scope: 'a' }, { scope: 'a' }],
    ['client_id twice in the body', { client_id: ['a', 'b'] }, {}],
  ])('refuses %s with invalid_request', (_, body, query) => {
    expect(errorOf(() => parseOAuthParams(request(body, query), QUERY))).toEqual({ error: 'invalid_request', status: 400 });
  });

  it('lets resource repeat, across body and query (RFC 8707 §2)', () => {
    const p = parseOAuthParams(request({ resource: ['https://a.example', 'https://b.example'] }, { resource: 'https://c.example' }), QUERY);
    expect(p.resource).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
    expect(p.single.has('resource')).toBe(false);
  });

  it.each(['client_secret', 'client_id', 'client_assertion', 'client_assertion_type'])(
    'refuses %s in the query string (RFC 6749 §2.3.1)',
    (name) => {
      expect(errorOf(() => parseOAuthParams(request({ grant_type: 'client_credentials' }, { [name]: 'x' }), QUERY))).toEqual({
        error: 'invalid_request',
        status: 400,
      });
    },
  );

  it('refuses credentials in the query string even when the endpoint reads nothing from it', () => {
    expect(errorOf(() => parseOAuthParams(request(undefined, { client_secret: 'x' }), new Set()))).toEqual({
      error: 'invalid_request',
      status: 400,
    });
  });

  it.each([
    ['a JSON body', { grant_type: 'client_credentials' }, 'application/json'],
    ['a text body', 'grant_type=client_credentials', 'text/plain'],
    ['a form body that arrived as a string', 'grant_type=client_credentials', FORM],
    ['a buffer', Buffer.from('grant_type=client_credentials'), 'application/octet-stream'],
  ])('refuses %s with invalid_request', (_, body, contentType) => {
    expect(errorOf(() => parseOAuthParams(request(body, {}, contentType), QUERY))).toEqual({ error: 'invalid_request', status: 400 });
  });

  it('accepts a form content type with parameters and any case', () => {
    const p = parseOAuthParams(
      request({ grant_type: 'client_credentials' }, {}, 'Application/X-WWW-Form-Urlencoded; charset=UTF-8'),
      QUERY,
    );
    expect(p.single.get('grant_type')).toBe('client_credentials');
  });

  it('accepts an empty body of any content type (nothing to misread)', () => {
    const p = parseOAuthParams(request('', { grant_type: 'client_credentials' }, 'application/json'), QUERY);
    expect(p.single.get('grant_type')).toBe('client_credentials');
  });
});
