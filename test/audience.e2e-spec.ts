import { PLAYGROUND_CLIENT } from '@app/clients';
import { decodeJwt } from 'jose';
import { insertClient } from './support/clients';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';
const ORDERS = 'https://orders.example.com/';
const STOCK = 'https://stock.example.com/api?tenant=7';
const BILLING = 'billing-service';

/** RFC 8707 resource indicators (and the `audience` parameter) select `aud` among the client's registered audiences. */
describe('audience selection (RFC 8707)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await insertClient(t, { clientId: 'multi', secret: SECRET, scopes: ['x'], audiences: [ORDERS, STOCK, BILLING] });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Token request with a raw form body, so parameters can repeat. */
  const request = (body: string, query = '', id = 'multi', secret = SECRET) =>
    postForm(`${t.baseUrl}/oauth2/token${query}`, `grant_type=client_credentials&${body}`, { authorization: basic(id, secret) });
  const q = encodeURIComponent;

  async function audOf(body: string, query = ''): Promise<unknown> {
    const res = await request(body, query);
    expect(res.status).toBe(200);
    return decodeJwt(res.body.access_token as string).aud;
  }

  it('uses the client’s default (first registered) audience when no resource is asked for', async () => {
    expect(await audOf('')).toBe(ORDERS);
  });

  it('selects one registered resource', async () => {
    expect(await audOf(`resource=${q(STOCK)}`)).toBe(STOCK);
  });

  it('selects several resources (resource repeated) as an aud array', async () => {
    expect(await audOf(`resource=${q(ORDERS)}&resource=${q(STOCK)}`)).toEqual([ORDERS, STOCK]);
  });

  it('accepts the space-delimited audience parameter, alone or with resource', async () => {
    expect(await audOf(`audience=${q(BILLING)}`)).toBe(BILLING);
    expect(await audOf(`audience=${q(`${BILLING} ${ORDERS}`)}`)).toEqual([BILLING, ORDERS]);
    expect(await audOf(`resource=${q(STOCK)}&audience=${q(`${BILLING} ${STOCK}`)}`)).toEqual([STOCK, BILLING]);
  });

  it('reads resource from the query string too, as it does grant_type and scope for the seed', async () => {
    const res = await postForm(`${t.baseUrl}/oauth2/token?grant_type=client_credentials&resource=${q(STOCK)}`, undefined, {
      authorization: basic('multi', SECRET),
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).aud).toBe(STOCK);
  });

  it('shows the selected audience at introspection', async () => {
    const res = await request(`resource=${q(ORDERS)}&resource=${q(STOCK)}`);
    const intro = await postForm(
      `${t.baseUrl}/oauth2/introspect`,
      { token: res.body.access_token as string },
      { authorization: basic('multi', SECRET) },
    );
    expect(intro.body).toMatchObject({ active: true, aud: [ORDERS, STOCK] });
  });

  it.each([
    [
      'an unregistered resource',
      `resource=${q('https://evil.example.com/')}`,
      'The requested resource is not registered for this client: https://evil.example.com/',
    ],
    ['an unregistered audience', `audience=${q('evil-service')}`, 'The requested resource is not registered for this client: evil-service'],
    [
      'one unregistered among registered ones',
      `resource=${q(ORDERS)}&resource=${q('https://evil.example.com/')}`,
      'The requested resource is not registered for this client: https://evil.example.com/',
    ],
    [
      'the same URI written differently',
      `resource=${q('https://orders.example.com')}`,
      'The requested resource is not registered for this client: https://orders.example.com',
    ],
    ['a relative resource', `resource=${q('/api')}`, 'A resource must be an absolute URI without a fragment (RFC 8707 §2)'],
    [
      'a resource with a fragment',
      `resource=${q(`${ORDERS}#section`)}`,
      'A resource must be an absolute URI without a fragment (RFC 8707 §2)',
    ],
    ['a bare word as resource', `resource=${q(BILLING)}`, 'A resource must be an absolute URI without a fragment (RFC 8707 §2)'],
  ])('refuses %s with 400 invalid_target', async (_, body, description) => {
    const res = await request(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_target', error_description: description });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a repeated audience parameter with invalid_request (only resource may repeat)', async () => {
    const res = await request(`audience=${BILLING}&audience=${BILLING}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Parameter audience must not be repeated' });
  });

  describe('a client without registered audiences (the seed’s behaviour)', () => {
    it('gets its client id as aud', async () => {
      const res = await request('', '', PLAYGROUND_CLIENT.clientId, PLAYGROUND_CLIENT.secret);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token as string).aud).toBe(PLAYGROUND_CLIENT.clientId);
    });

    it('cannot ask for any other resource', async () => {
      const res = await request(`resource=${q(ORDERS)}`, '', PLAYGROUND_CLIENT.clientId, PLAYGROUND_CLIENT.secret);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_target' });
    });
  });

  it('gives the bootstrap admin client the admin API as its default audience', async () => {
    const res = await request('', '', ADMIN_ID, ADMIN_SECRET);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).aud).toBe(`${t.issuer}/admin`);
  });
});
