import { type ApiResponse, readResponse } from './support/http';
import { insertClient } from './support/clients';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

type Res = ApiResponse<Record<string, unknown>>;

const BASIC = { id: 'basic-client', secret: 'basic-client-secret-0123456789abcdef' };
const POST = { id: 'post-client', secret: 'post-client-secret-0123456789abcdef' };
const DISABLED = { id: 'disabled-client', secret: 'disabled-client-secret-0123456789ab' };
const NO_CC = { id: 'no-cc-client', secret: 'no-cc-client-secret-0123456789abcde' };
const RESOURCES = { id: 'resource-client', secret: 'resource-client-secret-0123456789ab' };

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** RFC 6749 §5.2 error: exact status and code, `{error, error_description}` only, JSON, never cached. */
function expectOAuthError(res: Res, status: number, error: string): void {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
}

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let t: TestApp;
  let tokenUrl: string;
  let realm: string;

  const expectInvalidClient = (res: Res): void => {
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${realm}"`);
  };

  beforeAll(async () => {
    t = await startTestApp();
    tokenUrl = `${t.baseUrl}/oauth2/token`;
    realm = t.issuer;
    await insertClient(t, { clientId: BASIC.id, secret: BASIC.secret, scopes: ['a.read', 'a.write'] });
    await insertClient(t, { clientId: POST.id, secret: POST.secret, scopes: ['a.read'], tokenEndpointAuthMethod: 'client_secret_post' });
    await insertClient(t, { clientId: DISABLED.id, secret: DISABLED.secret, scopes: ['a.read'], enabled: false });
    await insertClient(t, { clientId: NO_CC.id, secret: NO_CC.secret, scopes: ['a.read'], grantTypes: ['authorization_code'] });
    await insertClient(t, {
      clientId: RESOURCES.id,
      secret: RESOURCES.secret,
      scopes: ['a.read'],
      audiences: ['https://api.one.example', 'https://api.two.example'],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const asBasic = (c: { id: string; secret: string }): Record<string, string> => ({ authorization: basic(c.id, c.secret) });
  const cc = { grant_type: 'client_credentials' };

  describe('invalid_client: 401 with a Basic challenge for the issuer', () => {
    it('answers an unknown client id and a wrong secret identically', async () => {
      const unknown = await postForm(tokenUrl, cc, asBasic({ id: 'no-such-client', secret: BASIC.secret }));
      const wrong = await postForm(tokenUrl, cc, asBasic({ id: BASIC.id, secret: 'not-the-secret' }));
      expectInvalidClient(unknown);
      expectInvalidClient(wrong);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
    });

    it('refuses a disabled client with its correct secret, with the same body', async () => {
      const unknown = await postForm(tokenUrl, cc, asBasic({ id: 'no-such-client', secret: 'x' }));
      const disabled = await postForm(tokenUrl, cc, asBasic(DISABLED));
      expectInvalidClient(disabled);
      expect(disabled.body).toEqual(unknown.body);
    });

    it.each([
      ['no colon', `Basic ${b64('basic-clientsecret')}`],
      ['bad base64', 'Basic !!!not-base64!!!'],
      ['truncated base64', `Basic ${b64(`${BASIC.id}:${BASIC.secret}`).slice(0, -2)}`],
      ['empty client id', `Basic ${b64(`:${BASIC.secret}`)}`],
      ['empty secret', `Basic ${b64(`${BASIC.id}:`)}`],
      ['empty credentials', 'Basic '],
      ['scheme only', 'Basic'],
      ['two tokens', `Basic ${b64(`${BASIC.id}:${BASIC.secret}`)} extra`],
      ['broken percent-encoding', `Basic ${b64(`basic%zzclient:${BASIC.secret}`)}`],
      ['non-Basic scheme', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig'],
      ['Digest scheme', 'Digest username="basic-client"'],
    ])('refuses a malformed Authorization header (%s)', async (_, header) => {
      expectInvalidClient(await postForm(tokenUrl, cc, { authorization: header }));
    });

    it('refuses a client id with a NUL character (which no database row can hold) as invalid_client, not 500', async () => {
      expectInvalidClient(await postForm(tokenUrl, cc, asBasic({ id: 'basic\u0000client', secret: BASIC.secret })));
      expectInvalidClient(await postForm(tokenUrl, 'grant_type=client_credentials&client_id=post%00client&client_secret=x'));
      expectInvalidClient(await postForm(tokenUrl, cc, asBasic({ id: BASIC.id, secret: `${BASIC.secret}\u0000` })));
    });

    it('refuses a request without any client authentication', async () => {
      expectInvalidClient(await postForm(tokenUrl, cc));
      expectInvalidClient(await postForm(`${tokenUrl}?grant_type=client_credentials`, undefined));
    });

    it('refuses client_id without a secret in the body (no authentication)', async () => {
      expectInvalidClient(await postForm(tokenUrl, { ...cc, client_id: BASIC.id }));
    });
  });

  describe('authentication method must match the registration (RFC 7591 §2)', () => {
    it('accepts client_secret_post for a client registered for it', async () => {
      const res = await postForm(tokenUrl, { ...cc, client_id: POST.id, client_secret: POST.secret });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'a.read' });
    });

    it('refuses client_secret_basic for a client registered for client_secret_post', async () => {
      expectInvalidClient(await postForm(tokenUrl, cc, asBasic(POST)));
    });

    it('refuses client_secret_post for a client registered for client_secret_basic', async () => {
      expectInvalidClient(await postForm(tokenUrl, { ...cc, client_id: BASIC.id, client_secret: BASIC.secret }));
    });

    it('refuses two methods at once (RFC 6749 §2.3) with invalid_request', async () => {
      const res = await postForm(tokenUrl, { ...cc, client_id: BASIC.id, client_secret: BASIC.secret }, asBasic(BASIC));
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a body client_id that differs from the Basic client', async () => {
      expectOAuthError(await postForm(tokenUrl, { ...cc, client_id: POST.id }, asBasic(BASIC)), 400, 'invalid_request');
    });

    it('accepts a body client_id equal to the Basic client', async () => {
      expect((await postForm(tokenUrl, { ...cc, client_id: BASIC.id }, asBasic(BASIC))).status).toBe(200);
    });
  });

  describe('credentials in the query string (RFC 6749 §2.3.1)', () => {
    it('refuses client_secret in the query even with a valid Basic header', async () => {
      const res = await postForm(`${tokenUrl}?client_secret=${encodeURIComponent(BASIC.secret)}`, cc, asBasic(BASIC));
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses client_id and client_secret in the query', async () => {
      const q = new URLSearchParams({ ...cc, client_id: POST.id, client_secret: POST.secret });
      expectOAuthError(await postForm(`${tokenUrl}?${q.toString()}`, undefined), 400, 'invalid_request');
    });
  });

  describe('repeated parameters (RFC 6749 §3.1) are invalid_request; resource may repeat (RFC 8707 §2)', () => {
    it.each([
      ['grant_type twice in the body', '', 'grant_type=client_credentials&grant_type=client_credentials'],
      ['scope twice in the body', '', 'grant_type=client_credentials&scope=a.read&scope=a.write'],
      ['grant_type twice in the query', '?grant_type=client_credentials&grant_type=client_credentials', undefined],
      ['scope twice in the query', '?grant_type=client_credentials&scope=a.read&scope=a.read', undefined],
      ['grant_type in body and query', '?grant_type=client_credentials', 'grant_type=client_credentials'],
      ['scope in body and query', '?scope=a.read', 'grant_type=client_credentials&scope=a.read'],
    ])('%s', async (_, query, body) => {
      expectOAuthError(await postForm(`${tokenUrl}${query}`, body, asBasic(BASIC)), 400, 'invalid_request');
    });

    it('accepts resource twice and puts both audiences in the token', async () => {
      const body = 'grant_type=client_credentials&resource=https%3A%2F%2Fapi.one.example&resource=https%3A%2F%2Fapi.two.example';
      const res = await postForm(tokenUrl, body, asBasic(RESOURCES));
      expect(res.status).toBe(200);
      const claims = JSON.parse(Buffer.from((res.body.access_token as string).split('.')[1], 'base64url').toString());
      expect(claims.aud).toEqual(['https://api.one.example', 'https://api.two.example']);
    });
  });

  describe('grant_type', () => {
    it('missing grant_type is invalid_request', async () => {
      expectOAuthError(await postForm(tokenUrl, { scope: 'a.read' }, asBasic(BASIC)), 400, 'invalid_request');
      expectOAuthError(await postForm(tokenUrl, undefined, asBasic(BASIC)), 400, 'invalid_request');
    });

    it('an empty grant_type counts as missing (RFC 6749 §3.1)', async () => {
      expectOAuthError(await postForm(tokenUrl, { grant_type: '' }, asBasic(BASIC)), 400, 'invalid_request');
    });

    it.each([
      ['password', 'password'],
      ['authorization_code', 'authorization_code'],
      ['a URN', 'urn:ietf:params:oauth:grant-type:device_code'],
      ['500 characters', 'x'.repeat(500)],
    ])('unknown grant_type (%s) is unsupported_grant_type', async (_, grantType) => {
      expectOAuthError(await postForm(tokenUrl, { grant_type: grantType }, asBasic(BASIC)), 400, 'unsupported_grant_type');
    });

    it('a client not registered for client_credentials is unauthorized_client', async () => {
      expectOAuthError(await postForm(tokenUrl, cc, asBasic(NO_CC)), 400, 'unauthorized_client');
    });
  });

  describe('scope (RFC 6749 §3.3)', () => {
    it('a scope not registered for the client is invalid_scope', async () => {
      expectOAuthError(await postForm(tokenUrl, { ...cc, scope: 'a.read b.admin' }, asBasic(BASIC)), 400, 'invalid_scope');
    });

    it.each([
      ['a double quote', 'a.read "a.write"'],
      ['a backslash', 'a\\read'],
      ['a non-ASCII character', 'a.réad'],
      ['a control character', 'a.read\ta.write'],
    ])('a scope with %s is invalid_scope', async (_, scope) => {
      expectOAuthError(await postForm(tokenUrl, { ...cc, scope }, asBasic(BASIC)), 400, 'invalid_scope');
    });
  });

  describe('transport: only 4xx `{error, error_description}`, never a Nest body', () => {
    const send = async (init: RequestInit, url = tokenUrl): Promise<Res> => readResponse(await fetch(url, init));
    const auth = (): Record<string, string> => asBasic(BASIC);

    it('a JSON body is invalid_request', async () => {
      const res = await send({
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify(cc),
      });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('malformed JSON is invalid_request', async () => {
      const res = await send({ method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"grant_type":' });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('a text/plain body is invalid_request', async () => {
      const res = await send({
        method: 'POST',
        headers: { ...auth(), 'content-type': 'text/plain' },
        body: 'grant_type=client_credentials',
      });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('an unsupported content type is 415 invalid_request', async () => {
      const res = await send({ method: 'POST', headers: { ...auth(), 'content-type': 'application/xml' }, body: '<grant_type/>' });
      expectOAuthError(res, 415, 'invalid_request');
    });

    it('a huge body is 413 invalid_request', async () => {
      const body = `grant_type=client_credentials&scope=${'a'.repeat(64 * 1024)}`;
      const res = await send({
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expectOAuthError(res, 413, 'invalid_request');
    });

    it('GET is 405 invalid_request with Allow: POST', async () => {
      const res = await send({ method: 'GET', headers: auth() }, `${tokenUrl}?grant_type=client_credentials`);
      expectOAuthError(res, 405, 'invalid_request');
      expect(res.headers.get('allow')).toBe('POST');
    });

    it('no error body ever has the Nest {statusCode, message} shape', async () => {
      const responses = await Promise.all([
        send({ method: 'PUT', headers: auth() }),
        send({ method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '[' }),
        send({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%' }),
        send({ method: 'POST' }, `${t.baseUrl}/oauth2/no-such-endpoint`),
      ]);
      for (const res of responses) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    });
  });
});
