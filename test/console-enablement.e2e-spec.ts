import { startTestApp } from './support/test-app';

/** Where the console is served (its files come from `npm run build`, which npm test runs first). */
describe('admin console enablement', () => {
  const production = { NODE_ENV: 'production', ISSUER: 'https://auth.example.test/ms-auth-server' };

  it.each([
    ['off in production by default', production, 404],
    ['on in production with CONSOLE_ENABLED=true', { ...production, CONSOLE_ENABLED: 'true' }, 200],
    ['off outside production with CONSOLE_ENABLED=false', { CONSOLE_ENABLED: 'false' }, 404],
  ])('is %s', async (_name, env, status) => {
    const t = await startTestApp(env);
    try {
      const res = await fetch(`${t.baseUrl}/console/`);
      const html = await res.text();
      expect(res.status).toBe(status);
      // Served or not, the strict headers apply.
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      if (status === 200) {
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(html).toContain('<script type="module" src="app.js"></script>');
        expect(res.headers.get('cache-control')).toBe('no-cache');
        const script = await fetch(`${t.baseUrl}/console/app.js`);
        await script.text();
        expect(script.headers.get('content-type')).toMatch(/javascript/);
        const outside = await fetch(`${t.baseUrl}/console/%2e%2e/%2e%2e/package.json`);
        await outside.text();
        expect(outside.status).toBe(404);
      }
    } finally {
      await t.close();
    }
  });
});
