import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminApi, requestToken } from './support/admin-api';
import { launchChromium, screenshot, seriousA11yViolations } from './support/browser';
import { ADMIN_ID, ADMIN_SECRET, startTestApp, type TestApp } from './support/test-app';

/*
 * The admin console in a real browser, one server and one browser for the whole file; the tests follow one
 * operator's session in order (a client created early is edited, rotated, disabled and deleted later).
 */

let t: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspErrors: string[] = [];

/** A token request with curl, as an operator would try a fresh secret from a shell (the server is in this process: async). */
async function curlToken(clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await promisify(execFile)(
    'curl',
    [
      '-sS',
      '-o',
      '-',
      '-w',
      '\n%{http_code}',
      '-u',
      `${clientId}:${secret}`,
      '-d',
      'grant_type=client_credentials',
      `${t.baseUrl}/oauth2/token`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
}

const go = async (hash: string): Promise<void> => {
  await page.goto(`${t.baseUrl}/console/#/${hash}`);
};

async function expectAccessible(): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

async function signIn(): Promise<void> {
  await page.getByLabel('Client ID').fill(ADMIN_ID);
  await page.getByLabel('Client secret').fill(ADMIN_SECRET);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${ADMIN_ID}`).waitFor();
}

/** Accepts the open confirmation dialog (its primary button). */
async function confirm(label: string): Promise<void> {
  await page.getByRole('dialog').getByRole('button', { name: label }).click();
}

beforeAll(async () => {
  // npm test and npm run test:browser build the console first; a direct Jest run builds it only when missing (a
  // rebuild here could race the e2e tier, which serves the same folder).
  if (!existsSync(resolve(__dirname, '../dist/console/index.html'))) {
    const build = spawnSync(process.execPath, [resolve(__dirname, '../scripts/build-console.js')], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}`);
  }
  t = await startTestApp({ CONSOLE_ENABLED: 'true' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.origin });
  page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
  });
});

afterEach(async () => {
  const name = expect.getState().currentTestName ?? 'test';
  await screenshot(
    page,
    name
      .replace(/^admin console\s*/, '')
      .replace(/[^a-z0-9]+/gi, '-')
      .slice(0, 80),
  );
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('admin console', () => {
  it('is served at {BASE}/console under the strict security headers, with no inline script or style', async () => {
    const redirect = await fetch(`${t.baseUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(`${t.config.basePath}/console/`);
    const res = await page.goto(`${t.baseUrl}/console/`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await res!.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    await expect(page.getByRole('heading', { name: 'Sign in to the console' }).waitFor()).resolves.toBeUndefined();
  });

  it('refuses a wrong secret in place, then signs in with the right one from the keyboard', async () => {
    await page.getByLabel('Client ID').fill(ADMIN_ID);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/client id or the secret is wrong/);
    await expectAccessible();

    await page.getByLabel('Client secret').fill('');
    await page.getByLabel('Client ID').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_SECRET);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await expect(page.getByText(`Signed in as ${ADMIN_ID}`).count()).resolves.toBe(1);
    // Memory only: nothing in web storage or cookies.
    const stored = await page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })');
    expect(stored).toEqual({ local: 0, session: 0, cookie: '' });
    expect(await context.cookies()).toEqual([]);
    await expectAccessible();
  });

  it('creates a client and shows its secret once, with a copy button; the copied secret gets a token by curl', async () => {
    await go('clients');
    await page.getByRole('link', { name: 'New client' }).click();
    await page.getByLabel('Client ID').fill('billing-svc');
    await page.getByLabel('Name').fill('Billing service');
    await page.getByLabel('Scopes').fill('orders.read orders.write');
    await expectAccessible();
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { name: 'Client billing-svc created' }).waitFor();
    await expect(page.getByText('it is shown only this once').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(await page.getByLabel('Secret of billing-svc').inputValue());
    const token = await curlToken('billing-svc', copied);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'orders.read orders.write' });
    await expectAccessible();
  });

  it("shows the API's validation message beside the wrong field, keeps the input, and saves once corrected", async () => {
    await go('clients/billing-svc');
    const ttl = page.getByLabel('Token lifetime (seconds)');
    await ttl.fill('soon');
    await page.getByLabel('Name').fill('Billing (EU)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const error = page.locator('.field.invalid .field-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/access_token_ttl must be an integer/);
    await expect(ttl.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(ttl.inputValue()).resolves.toBe('soon');
    await expect(page.getByLabel('Name').inputValue()).resolves.toBe('Billing (EU)');
    await expectAccessible();

    await ttl.fill('600');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved client_name, access_token_ttl.').waitFor();
    const stored = await adminApi(t).get('/admin/clients/billing-svc');
    expect(stored.body).toMatchObject({ client_name: 'Billing (EU)', access_token_ttl: 600 });
  });

  let rotatedSecret = '';
  it('rotates the secret with a grace period: the old and the new secret both get tokens', async () => {
    const before = await page.evaluate<string>('navigator.clipboard.readText()');
    await page.getByLabel('Previous secret keeps working for (seconds)').fill('300');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/The previous secret works until/).waitFor();
    rotatedSecret = await page.getByLabel('Secret of billing-svc').inputValue();
    expect(rotatedSecret).not.toBe(before);
    expect((await curlToken('billing-svc', rotatedSecret)).status).toBe(200);
    expect((await curlToken('billing-svc', before)).status).toBe(200);
    await expectAccessible();
  });

  it('revokes every token of the client after a confirmation', async () => {
    const token = (await requestToken(t, 'billing-svc', rotatedSecret)).body.access_token as string;
    await page.getByRole('button', { name: 'Revoke all tokens' }).click();
    await expectAccessible();
    await confirm('Revoke tokens');
    await page.getByText(/Tokens issued up to .* are revoked/).waitFor();
    const introspected = await fetch(`${t.baseUrl}/oauth2/introspect`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`billing-svc:${rotatedSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(await introspected.json()).toEqual({ active: false });
  });

  it('disables the client after a confirmation; its token request then fails', async () => {
    await page.getByRole('button', { name: 'Disable client' }).click();
    await confirm('Disable');
    await page.getByText('billing-svc is disabled').waitFor();
    await expect(page.locator('.title-row .badge').textContent()).resolves.toBe('disabled');
    const refused = await curlToken('billing-svc', rotatedSecret);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('deletes the client only once its id is typed', async () => {
    await page.getByRole('button', { name: 'Delete client' }).click();
    const dialog = page.getByRole('dialog');
    const ok = dialog.getByRole('button', { name: 'Delete for good' });
    await expect(ok.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type billing-svc to confirm').fill('billing');
    await expect(ok.isDisabled()).resolves.toBe(true);
    await expectAccessible();
    await dialog.getByLabel('Type billing-svc to confirm').fill('billing-svc');
    await ok.click();
    await page.getByRole('heading', { name: 'Clients' }).waitFor();
    expect((await adminApi(t).get('/admin/clients/billing-svc')).status).toBe(404);
  });

  it('registers a client without a shared secret (private_key_jwt) and edits where its keys come from', async () => {
    await go('clients/new');
    await page.getByLabel('Client ID').fill('signer');
    await page.getByLabel('Scopes').fill('orders.read');
    await page.getByLabel('Authentication method').selectOption('private_key_jwt');
    await page.getByLabel('JWKS URL').fill('https://keys.example.com/jwks.json');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByText('This client has no secret').waitFor();
    await page.getByRole('link', { name: 'Done: go to the client' }).click();
    await expect(page.getByRole('button', { name: 'Rotate secret' }).count()).resolves.toBe(0);
    await page.getByLabel('JWKS URL').fill('');
    await page.getByLabel('Public keys (JWK Set JSON)').fill('{"keys": "not a list"}');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.field.invalid').first().waitFor();
    await expect(page.getByLabel('Public keys (JWK Set JSON)').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('JWKS URL').fill('https://keys.example.com/v2/jwks.json');
    await page.getByLabel('Public keys (JWK Set JSON)').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/^Saved jwks_uri\.$/).waitFor();
    const stored = await adminApi(t).get('/admin/clients/signer');
    expect(stored.body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://keys.example.com/v2/jwks.json' });
    await expectAccessible();
  });

  it('adds and edits a trusted issuer, refuses to remove it while a client names it (listing the client), then removes it', async () => {
    const issuer = 'https://ci.example.com';
    await go('issuers');
    await page.getByLabel('Issuer (exact iss)').fill(issuer);
    await page.getByLabel('JWKS URL').fill(`${issuer}/keys`);
    await page.getByRole('button', { name: 'Add issuer' }).click();
    await page.getByRole('link', { name: issuer }).waitFor();
    await expectAccessible();
    const fed = await adminApi(t).post('/admin/clients', {
      client_id: 'deployer',
      scope: 'deploy',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [{ issuer, subject: 'repo:acme/app:ref:refs/heads/main' }],
    });
    expect(fed.status).toBe(201);

    await page.getByRole('link', { name: issuer }).click();
    const lifetime = page.getByLabel('Longest token lifetime (seconds)');
    await lifetime.fill('an hour');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.field.invalid .field-error').waitFor();
    await expect(page.locator('.field.invalid .field-error').textContent()).resolves.toMatch(/max_assertion_lifetime must be an integer/);
    await lifetime.fill('900');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await adminApi(t).get(`/admin/trusted-issuers/${encodeURIComponent(issuer)}`)).body.max_assertion_lifetime).toBe(900);
    await page.getByRole('button', { name: 'Remove issuer' }).click();
    await confirm('Remove');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/federated credentials of these clients still name this issuer/);
    await expect(alert.getByRole('link', { name: 'deployer' }).count()).resolves.toBe(1);
    await expectAccessible();

    expect((await adminApi(t).delete('/admin/clients/deployer')).status).toBe(204);
    await page.getByRole('button', { name: 'Remove issuer' }).click();
    await confirm('Remove');
    await page.getByRole('heading', { name: 'Trusted issuers' }).waitFor();
    await page.getByText('No trusted issuers yet.').waitFor();
  });

  it('shows the key lifecycle as a timeline that changes with a rotation and an emergency rotation', async () => {
    await go('keys');
    const active = page.locator('.timeline li.active .kid');
    await active.waitFor();
    const firstKid = await active.textContent();
    await expect(page.locator('.timeline li.next').count()).resolves.toBe(0);
    await expectAccessible();

    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toMatch(/Outstanding tokens keep verifying/);
    await confirm('Rotate');
    // JWKS_MAX_AGE has not passed since the next key appeared: it is published, not yet promoted.
    await page.getByText(/Not yet: the next key .* may be promoted from/).waitFor();
    await page.locator('.timeline li.next').waitFor();

    await page.getByRole('button', { name: 'Emergency rotate' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toMatch(/Every token it signed stops verifying immediately/);
    await confirm('Replace the key now');
    // The console's own token was signed by the replaced key: it says so and asks for a new sign-in.
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/signs now\. Every earlier token stopped verifying/);
    await signIn();
    await go('keys');
    await active.waitFor();
    const newKid = await active.textContent();
    expect(newKid).not.toBe(firstKid);
    await expect(page.locator(`.timeline li[data-kid="${firstKid}"]`).count()).resolves.toBe(0);
    await expectAccessible();
  });

  it('filters the audit log by client and by action, each entry in words', async () => {
    await go('audit?client_id=billing-svc');
    await page.getByText(/entries shown/).waitFor();
    const entries = page.locator('.audit-entry');
    const texts = await entries.allTextContents();
    expect(texts.length).toBeGreaterThanOrEqual(5);
    for (const text of texts) expect(text).toContain('billing-svc');
    expect(texts.join('\n')).toContain('test-admin created client billing-svc');
    expect(texts.join('\n')).toMatch(/access_token_ttl: none → 600/);
    await expectAccessible();

    await page.getByLabel('Action').fill('client.secret_rotated');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 entries shown.').waitFor();
    await expect(entries.first().textContent()).resolves.toContain('rotated the secret of billing-svc');
  });

  it('draws the tokens just issued on the dashboard: per minute in total and for the top client', async () => {
    const created = await adminApi(t).post('/admin/clients', { client_id: 'reporting', scope: 'reports.read' });
    for (let i = 0; i < 6; i++) expect((await requestToken(t, 'reporting', created.body.client_secret)).status).toBe(200);
    expect((await requestToken(t, 'reporting', 'wrong-secret-wrong-secret-wrong')).status).toBe(401);
    await go('dashboard');
    const issued = page.getByRole('figure', { name: 'Tokens issued per minute' });
    await issued.locator('canvas').first().waitFor();
    const summary = await issued.locator('.summary').textContent();
    const total = Number(/^(\d+) tokens issued in the last hour/.exec(summary ?? '')?.[1]);
    expect(total).toBeGreaterThanOrEqual(6);
    await expect(issued.getByRole('list').textContent()).resolves.toContain('reporting');
    await expect(page.getByRole('row', { name: /reporting 6/ }).count()).resolves.toBe(1);
    const failures = await page
      .getByRole('figure', { name: /Authentication failures/ })
      .locator('.summary')
      .textContent();
    expect(Number(/^(\d+) failed/.exec(failures ?? '')?.[1])).toBeGreaterThanOrEqual(1);
    await expect(page.getByRole('figure', { name: 'Token latency' }).locator('.summary').textContent()).resolves.toMatch(/p99 \d/);
    await expect(page.locator('figure canvas').count()).resolves.toBeGreaterThanOrEqual(4);
    await expectAccessible();
    await screenshot(page, 'dashboard');
    // The clients list knows when this instance last issued a token to each client.
    await go('clients');
    await expect(page.getByRole('row', { name: /reporting/ }).textContent()).resolves.not.toContain('not since start');
    await screenshot(page, 'clients');
  });

  it('stays usable in a narrow window: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const hash of ['dashboard', 'clients', 'keys', 'audit']) {
      await go(hash);
      await page.locator('main h1').waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect({ hash, overflow }).toEqual({ hash, overflow: 0 });
    }
    await expectAccessible();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out with a clear message when its token expires', async () => {
    // A second tab with a controllable clock: the token lives ADMIN_ACCESS_TOKEN_TTL (900 s by default).
    const tab = await context.newPage();
    try {
      await tab.clock.install();
      await tab.goto(`${t.baseUrl}/console/`);
      await tab.getByLabel('Client ID').fill(ADMIN_ID);
      await tab.getByLabel('Client secret').fill(ADMIN_SECRET);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await tab.clock.fastForward(t.config.admin.accessTokenTtl * 1000 + 1000);
      await tab.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
      await expect(tab.getByRole('status').first().textContent()).resolves.toBe('Your session expired. Sign in again to continue.');
    } finally {
      await tab.close();
    }
  });

  it('signs out with a clear message when the server stops accepting its token', async () => {
    await go('dashboard');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The admin client's own tokens revoked (as after a leak): the console's next call is refused.
    expect((await adminApi(t).post(`/admin/clients/${ADMIN_ID}/revoke-tokens`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/session ended.*Sign in again/);
    expect(cspErrors).toEqual([]);
  });
});
