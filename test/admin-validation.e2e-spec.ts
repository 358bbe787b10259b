import { adminApi, adminToken, call } from './support/admin-api';
import { startTestApp, type TestApp } from './support/test-app';

const SCOPE_SYNTAX = 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)';

describe('admin API: validation (RFC 7591 §3.2.2 invalid_client_metadata)', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACCESS_TOKEN_TTL: '20000' });
    token = await adminToken(t);
    api = adminApi(t, token);
    expect((await api.post('/admin/clients', { client_id: 'existing', scope: 'a b' })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const clientCount = async (): Promise<number> =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM oauth_clients'))[0].n);

  it.each([
    [{}, [['scope', 'scope must be a string of space-delimited scope tokens']]],
    [{ scope: '' }, [['scope', SCOPE_SYNTAX]]],
    [{ scope: ' a' }, [['scope', SCOPE_SYNTAX]]],
    [{ scope: 'a\tb' }, [['scope', SCOPE_SYNTAX]]],
    [{ scope: 'caf\u00e9' }, [['scope', SCOPE_SYNTAX]]],
    [{ scope: ['a'] }, [['scope', 'scope must be a string of space-delimited scope tokens']]],
    [
      { scope: 'a', client_id: 'bad\u00e9' },
      [['client_id', 'client_id must consist of printable ASCII characters (RFC 6749 Appendix A.1)']],
    ],
    [{ scope: 'a', client_id: 'x'.repeat(256) }, [['client_id', 'client_id must be shorter than or equal to 255 characters']]],
    [{ scope: 'a', client_secret: 'x'.repeat(31) }, [['client_secret', 'client_secret must be 32 to 512 characters long']]],
    [{ scope: 'a', client_name: 7 }, [['client_name', 'client_name must be a string']]],
    [
      { scope: 'a', token_endpoint_auth_method: 'none' },
      [
        [
          'token_endpoint_auth_method',
          'token_endpoint_auth_method must be one of client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth',
        ],
      ],
    ],
    [
      { scope: 'a', grant_types: ['authorization_code'] },
      [
        [
          'grant_types',
          'each grant type must be one of client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, urn:ietf:params:oauth:grant-type:jwt-bearer',
        ],
      ],
    ],
    [{ scope: 'a', grant_types: 'client_credentials' }, [['grant_types', 'grant_types must be an array']]],
    [{ scope: 'a', access_token_ttl: 20001 }, [['access_token_ttl', 'access_token_ttl must not exceed MAX_ACCESS_TOKEN_TTL (20000)']]],
    [{ scope: 'a', access_token_ttl: '60' }, [['access_token_ttl', 'access_token_ttl must be an integer number of seconds']]],
    [{ scope: 'a', access_token_ttl: -5 }, [['access_token_ttl', 'access_token_ttl must not be less than 1']]],
    [{ scope: 'a', audience: [''] }, [['audience', 'each audience must be a non-empty string of at most 2048 characters']]],
    [{ scope: 'a', audience: ['https://a b'] }, [['audience', 'an audience must not contain whitespace or control characters']]],
    [{ scope: 'a', audience: 'https://a' }, [['audience', 'audience must be an array']]],
    [{ scope: 'a', introspect_any_token: 1 }, [['introspect_any_token', 'introspect_any_token must be a boolean value']]],
    [{ scope: 'a', enabled: false }, [['enabled', 'property enabled should not exist']]],
    [{ scope: 'a', redirect_uris: ['https://x'] }, [['redirect_uris', 'property redirect_uris should not exist']]],
    [
      { scope: 'a b ', access_token_ttl: 0, audience: [7], secret_hash: 'x' },
      [
        ['secret_hash', 'property secret_hash should not exist'],
        ['scope', SCOPE_SYNTAX],
        ['access_token_ttl', 'access_token_ttl must not be less than 1'],
        ['audience', 'each audience must be a string'],
      ],
    ],
  ])('POST /admin/clients %j: 400 naming each wrong field, nothing stored', async (body, problems) => {
    const before = await clientCount();
    const res = await api.post('/admin/clients', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: `Invalid value for ${[...new Set(problems.map(([f]) => f))].join(', ')}`,
      details: problems.map(([field, message]) => ({ field, message })),
    });
    expect(await clientCount()).toBe(before);
  });

  it.each([
    [{ scope: null }, [['scope', 'scope must be a string of space-delimited scope tokens']]],
    [{ scope: 'a  b' }, [['scope', SCOPE_SYNTAX]]],
    [{ enabled: 'false' }, [['enabled', 'enabled must be a boolean value']]],
    [{ client_secret: 'y'.repeat(40) }, [['client_secret', 'property client_secret should not exist']]],
    [{ client_id: 'renamed' }, [['client_id', 'property client_id should not exist']]],
    [{ access_token_ttl: 1e9 }, [['access_token_ttl', 'access_token_ttl must not exceed MAX_ACCESS_TOKEN_TTL (20000)']]],
    [
      { grant_types: null, audience: null },
      [
        ['grant_types', 'grant_types must be an array'],
        ['audience', 'audience must be an array'],
      ],
    ],
  ])('PATCH /admin/clients/existing %j: 400, client unchanged', async (body, problems) => {
    const before = await api.get('/admin/clients/existing');
    const res = await api.patch('/admin/clients/existing', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: `Invalid value for ${problems.map(([f]) => f).join(', ')}`,
      details: problems.map(([field, message]) => ({ field, message })),
    });
    expect((await api.get('/admin/clients/existing')).body).toEqual(before.body);
  });

  it.each([
    [{ grace_seconds: -1 }, 'grace_seconds must not be less than 0'],
    [{ grace_seconds: 2592001 }, 'grace_seconds must not be greater than 2592000'],
    [{ grace_seconds: '10' }, 'grace_seconds must be an integer number of seconds'],
  ])('POST /admin/clients/existing/secret %j: 400, secret unchanged', async (body, message) => {
    const [before] = await t.db.query(`SELECT secret_hash FROM oauth_clients WHERE client_id = 'existing'`);
    const res = await api.post('/admin/clients/existing/secret', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'Invalid value for grace_seconds',
      details: [{ field: 'grace_seconds', message }],
    });
    expect(await t.db.query(`SELECT secret_hash FROM oauth_clients WHERE client_id = 'existing'`)).toEqual([before]);
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    for (const body of ['[{"scope":"a"}]', '"scope"', '42', 'null']) {
      const res = await call(t, 'POST', '/admin/clients', { token, body });
      if (body === 'null') {
        // JSON null is no metadata at all: the required scope is missing.
        expect(res.body.details).toEqual([{ field: 'scope', message: 'scope must be a string of space-delimited scope tokens' }]);
      } else {
        expect([body, res.status, res.body]).toEqual([
          body,
          400,
          {
            error: 'invalid_client_metadata',
            error_description: 'the request body must be a JSON object',
            details: [{ field: 'body', message: 'the request body must be a JSON object' }],
          },
        ]);
      }
    }
  });

  it('answers 400 invalid_client_metadata saying what is wrong to malformed or empty JSON where metadata is required', async () => {
    for (const [method, path] of [
      ['POST', '/admin/clients'],
      ['PATCH', '/admin/clients/existing'],
    ] as const) {
      for (const body of ['{"scope": "a"', '{scope: a}']) {
        const res = await call(t, method, path, { token, body, headers: { 'content-type': 'application/json' } });
        expect([method, body, res.status, res.body.error]).toEqual([method, body, 400, 'invalid_client_metadata']);
        expect(res.body.details).toEqual([{ field: 'body', message: expect.stringMatching(/^the request body is not valid JSON/) }]);
      }
      for (const body of ['', undefined]) {
        const res = await call(t, method, path, { token, body, headers: { 'content-type': 'application/json' } });
        expect([method, body, res.status, res.body.details]).toEqual([
          method,
          body,
          400,
          [{ field: 'body', message: 'a JSON object with the client metadata is required, the request body is empty' }],
        ]);
      }
    }
    expect((await api.get('/admin/clients/existing')).body.scope).toBe('a b');
  });

  it('says in error_description that a malformed body is not valid JSON, for clients that only show that field', async () => {
    const res = await call(t, 'POST', '/admin/clients', { token, body: '{"scope": "a"', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: expect.stringMatching(/^the request body is not valid JSON/),
      details: [{ field: 'body', message: res.body.error_description }],
    });
  });

  it('answers 400, not 500, to metadata nested thousands of levels deep (validation would exhaust the stack)', async () => {
    const deep = `{"scope":"a","token_endpoint_auth_method":"private_key_jwt","jwks":${'['.repeat(8000)}${']'.repeat(8000)}}`;
    expect(deep.length).toBeLessThan(16_384);
    const before = await clientCount();
    for (const [method, path] of [
      ['POST', '/admin/clients'],
      ['PATCH', '/admin/clients/existing'],
    ] as const) {
      const res = await call(t, method, path, { token, body: deep, headers: { 'content-type': 'application/json' } });
      expect([method, res.status, res.body]).toEqual([
        method,
        400,
        {
          error: 'invalid_client_metadata',
          error_description: 'the request body nests arrays and objects deeper than 32 levels',
          details: [{ field: 'body', message: 'the request body nests arrays and objects deeper than 32 levels' }],
        },
      ]);
    }
    expect(await clientCount()).toBe(before);
  });

  it('answers 415 to metadata sent as a form or plain text (RFC 7591 §3.1: JSON)', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await call(t, 'POST', '/admin/clients', { token, body: 'scope=a', headers: { 'content-type': type } });
      expect([type, res.status, res.body]).toEqual([
        type,
        415,
        { error: 'invalid_request', error_description: 'Send the request body as application/json' },
      ]);
      const patch = await call(t, 'PATCH', '/admin/clients/existing', { token, body: 'scope=z', headers: { 'content-type': type } });
      expect([type, patch.status]).toEqual([type, 415]);
    }
    expect((await api.get('/admin/clients/existing')).body.scope).toBe('a b');
  });

  it.each([
    ['/admin/clients?limit=0', [['limit', 'limit must be an integer from 1 to 1000']]],
    ['/admin/clients?limit=1001', [['limit', 'limit must be an integer from 1 to 1000']]],
    ['/admin/clients?limit=ten', [['limit', 'limit must be an integer from 1 to 1000']]],
    ['/admin/clients?limit=1&limit=2', [['limit', 'limit must be an integer from 1 to 1000']]],
    ['/admin/clients?cursor=not-a-cursor', [['cursor', 'cursor is not a value returned as next_cursor']]],
    ['/admin/clients?page=2', [['page', 'property page should not exist']]],
    ['/admin/audit?limit=-1', [['limit', 'limit must be an integer from 1 to 1000']]],
    [
      `/admin/audit?cursor=${Buffer.from('["clients","x"]').toString('base64url')}`,
      [['cursor', 'cursor is not a value returned as next_cursor']],
    ],
    [
      `/admin/audit?cursor=${Buffer.from('["audit","1 OR 1=1"]').toString('base64url')}`,
      [['cursor', 'cursor is not a value returned as next_cursor']],
    ],
  ])('GET %s: 400 invalid_request naming the parameter', async (path, problems) => {
    const res = await api.get(path);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: `Invalid value for ${problems.map(([f]) => f).join(', ')}`,
      details: problems.map(([field, message]) => ({ field, message })),
    });
  });
});
