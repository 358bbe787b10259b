import { freePort } from '@app/persistence';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './support/database';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

const ROOT = resolve(__dirname, '..');
/**
 * The pages whose tested blocks run, in this order, as one script: later blocks reuse what earlier ones set
 * ($BASE and $PLAYGROUND in endpoints.md; $AUTH and $JSON in admin-api.md; read_json and claims_of in token-claims.md).
 */
const DOC_PAGES = [
  'README.md',
  'docs/endpoints.md',
  'docs/admin-api.md',
  'docs/cli.md',
  'docs/clients-without-secrets.md',
  'docs/token-claims.md',
  'docs/clients-as-code.md',
  'docs/sender-constrained-tokens.md',
];
const read = (page: string): string => readFileSync(join(ROOT, page), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
/** Every page of the documentation: what links may point to. */
const PAGES = ['README.md', 'CONTRIBUTING.md', 'bench/NOTES.md', ...DOCS];

/** The fenced `sh` blocks marked `<!-- tested -->` (or `<!-- tested: … -->`), page after page in DOC_PAGES order. */
function testedBlocks(marker = 'tested'): string[] {
  const re = new RegExp(`<!-- ${marker}(?::[^>]*)? -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``, 'g');
  return DOC_PAGES.flatMap((page) => [...read(page).matchAll(re)].map((m) => m[1]));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Runs a shell script (bash, stop at the first failing command) and returns its stdout. */
function sh(script: string, env: Record<string, string>, timeout = 120_000): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, timeout },
      (err, stdout, stderr) => (err ? rej(new Error(`${err.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)) : res(stdout)),
    );
  });
}

/** Needs the built server: `npx nest build` (npm test builds first). */
describe('README examples', () => {
  it('marks the quick start, the endpoint tour, the admin API and the command line as tested', () => {
    const blocks = testedBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(testedBlocks('tested: quick start')).toEqual(['npm install && npm start\n']);
    for (const path of [
      '/oauth2/token',
      '/oauth2/jwks',
      '/oauth2/introspect',
      '/oauth2/revoke',
      '/admin/clients',
      '/admin/keys',
      '/health/ready',
      '/metrics',
      'cli.js',
      '/admin/trusted-issuers',
      'private_key_jwt',
      // Clients as code
      'cli.js plan',
      '/admin/config/apply',
    ]) {
      expect(blocks.join('\n')).toContain(path);
    }
  });

  it('runs the tested blocks of every page that has one, and the README links every page', () => {
    const withTestedBlocks = DOCS.filter((page) => read(page).includes('<!-- tested'));
    expect(DOC_PAGES.filter((page) => page.startsWith('docs/')).sort()).toEqual(withTestedBlocks.sort());
    const linked = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => normalize(m[1]));
    expect(DOCS.filter((page) => !linked.includes(page))).toEqual([]);
  });

  it('links between the pages point at files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const markdown = read(page).replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#');
        const path = file ? normalize(join(dirname(page), file)) : page;
        if (!existsSync(join(ROOT, path))) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && path.endsWith('.md') && !anchors(read(path)).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('shows examples/token-hook.js exactly as the file is, so the code on the page is the code that runs', () => {
    const shown = /<!-- examples\/token-hook\.js -->\n```js\n([\s\S]*?)```/.exec(read('docs/token-claims.md'));
    expect(shown?.[1]).toBe(read('examples/token-hook.js'));
  });

  describe('against a server on a database of its own', () => {
    let db: TestDatabase;
    let server: ServerProcess;
    let port: number;
    let hookPort: number;
    const env: Record<string, string> = {};

    beforeAll(async () => {
      db = await createTestDatabase();
      port = await freePort();
      hookPort = await freePort();
      Object.assign(env, {
        DATABASE_URL: db.url,
        KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
        ADMIN_CLIENT_ID: ADMIN_ID,
        ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        SECRET_HASH_LOG_N: '12',
        LOG_FORMAT: 'json',
        // The README's examples use the seed's playground client, which a DATABASE_URL database gets only when asked.
        SEED_PLAYGROUND_CLIENT: 'true',
        // Sender-constrained tokens: the README's certificate-bound example has curl play a trusted proxy.
        MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert',
        TRUST_PROXY: '127.0.0.1',
        // The token hook example: clients without token_hook never call it, so the other blocks run without it.
        TOKEN_HOOK_URL: `http://127.0.0.1:${hookPort}`,
        TOKEN_HOOK_SECRET: randomBytes(32).toString('base64url'),
      });
      server = await startServerProcess({ ...env, PORT: String(port) });
    });

    afterAll(async () => {
      await server?.stop();
      await db?.drop();
    });

    it('runs every tested block, in order, with the documented URLs pointed at this server', async () => {
      // The quick start's `npm install && npm start` is covered below; everything else runs here.
      const script = testedBlocks()
        .filter((b) => !b.startsWith('npm install'))
        .join('\n')
        .replaceAll('http://localhost:8085', `http://127.0.0.1:${port}`);
      const out = await sh(script, { ...env, HOOK_PORT: String(hookPort) });
      expect(out).toContain('"scope":"customer.read customer.write country.read"');
      expect(out).toContain('{"active":false}');
      // curl prints JSON without a final newline, so an example's output may continue the previous one's line.
      expect(out).toMatch(/oauth_tokens_issued_total\{grant_type="client_credentials"\} [1-9]/);
      expect(out).toContain('"client_id":"orders"');
      expect(out).toMatch(/"client_id":\s*"billing"/);
      expect(out).toMatch(/(^|[}\]])204\n/m);
      // Clients without shared secrets: no client_secret in the answer; the trusted issuer is listed.
      expect(out).toMatch(/"client_id":"inventory"[^\n]*"token_endpoint_auth_method":"private_key_jwt"/);
      expect(out).toMatch(/"client_id":"orders-deployer"[^\n]*"subject":"repo:acme\/orders:environment:production"/);
      expect(out).toContain('"items":[{"issuer":"https://token.actions.githubusercontent.com"');
      // Token claims and delegation: static claims in the token, an exchanged token naming its actor.
      // (PostgreSQL's jsonb keeps object members in its own order, so each claim is looked for on its own.)
      expect(out).toMatch(/"client_id":"storefront"(?=[^\n]*"tenant":"acme")(?=[^\n]*"plan":"gold")/);
      expect(out).toContain('"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"');
      expect(out).toMatch(/"client_id":"order-service"[^\n]*"sub":"storefront"[^\n]*"act":\{"sub":"order-service"\}/);
      expect(out).toMatch(/"client_id":"release-job"[^\n]*"claim_mappings":\[\{[^\]]*"from":"repository"/);
      // Clients as code: the secret went to a file of mode 600, the second plan found nothing, the REST plan one update.
      expect(out).toContain('+ client payments (create)\n    client_name: "Payments"');
      expect(out).toMatch(/^600 .*\/secrets\/payments$/m);
      expect(out).toContain('"changes": []');
      expect(out).toContain('{"changes":[{"kind":"client","id":"payments","action":"update","fields":[{"field":"scope"');
      expect(out).toMatch(/"action":"delete"[^\n]*"id":"payments-deployer"|"id":"payments-deployer","action":"delete"/);
      // Every CLI example starts the built tool (a few seconds each on a loaded machine).
      // Sender-constrained tokens: both resource-server checks ran against tokens this server issued.
      expect(out).toMatch(/DPoP token verified, cnf\.jkt [A-Za-z0-9_-]{43}/);
      expect(out).toMatch(/certificate-bound token verified, cnf\.x5t#S256 [A-Za-z0-9_-]{43}/);
      // Token hook: the example hook's entitlements in the token, and its frozen client refused.
      expect(out).toMatch(/^(?=.*"client_id":"reporting")(?=.*"entitlements":\["reports:export","reports:schedule"\]).*$/m);
      expect(out).toContain('{"error":"access_denied","error_description":"legacy-batch is frozen: ask the platform team"} 403\n');
    }, 180_000);
  });

  it('quick start: `npm start` (after the install) serves the seed request on the embedded PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-auth-readme-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its directory
    const port = await freePort();
    // `npm test` already installed and built: skip the prestart build, which would rewrite dist/ under the
    // other suites' feet; everything else is `npm start` as documented, with no configuration but a free port.
    const child = spawn('npm', ['start', '--ignore-scripts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        PORT: String(port),
        DATA_DIR: join(dir, 'data'),
        EMBEDDED_PG_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const start = Date.now();
      while (!/listening on http/.test(out)) {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
        if (Date.now() - start > 90_000) throw new Error(`npm start did not listen:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const seed = testedBlocks().find((b) => b.startsWith('curl --location'))!;
      const body = JSON.parse(await sh(seed.replaceAll('http://localhost:8085', `http://127.0.0.1:${port}`), {})) as Record<
        string,
        unknown
      >;
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 14400, scope: 'customer.read customer.write country.read' });
      // "Your first client" in embedded mode: the admin credentials come from the generated admin-client.json.
      const first = testedBlocks().find((b) => b.includes('first-service'))!;
      const printed = await sh(first.replaceAll('http://localhost:8085', `http://127.0.0.1:${port}`), { DATA_DIR: join(dir, 'data') });
      const issued = JSON.parse(printed.trim().split('\n').pop()!) as { access_token: string; token_type: string };
      expect(issued.token_type).toBe('Bearer');
      expect(decodeJwt(issued.access_token)).toMatchObject({
        client_id: 'first-service',
        aud: 'https://orders.example',
        scope: 'orders.read',
      });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
