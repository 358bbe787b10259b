import { freePort } from '@app/persistence';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, exportJWK } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { adminApi } from './support/admin-api';
import { fakeHttp, type FakeHttp, sendJson } from './support/assertions';
import { CertificateFactory, type Pem } from './support/certificates';
import { insertClient, updateClientRow } from './support/clients';
import { dpopKey, dpopProof } from './support/dpop';
import { SourcedHttp } from './support/sourced-http';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const run = promisify(execFile);
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const ROOT = resolve(__dirname, '..');

/** RFC 8705 §3.1: base64url SHA-256 of the certificate's DER form. */
const x5t = (pem: Pem): string => createHash('sha256').update(new X509Certificate(pem.cert).raw).digest('base64url');

/** Test certificates: a CA for clients, a foreign CA, the server's own, and the clients'. */
function makeCertificates(certs: CertificateFactory) {
  const clientCa = certs.make({ subject: '/O=Acme Client CA/CN=root', ca: true });
  const foreignCa = certs.make({ subject: '/O=Foreign CA/CN=root', ca: true });
  const serverCa = certs.make({ subject: '/O=Acme Server CA/CN=root', ca: true });
  const server = certs.make({ subject: '/CN=127.0.0.1', san: 'IP:127.0.0.1,DNS:localhost', issuer: serverCa });
  const billing = certs.make({ subject: '/O=Acme/CN=billing', san: 'URI:spiffe://acme/billing', issuer: clientCa });
  const orders = certs.make({ subject: '/O=Acme/CN=orders', san: 'DNS:orders.acme.test', issuer: clientCa });
  const forged = certs.make({ subject: '/O=Acme/CN=billing', san: 'URI:spiffe://acme/billing', issuer: foreignCa });
  const selfSigned = certs.make({ subject: '/CN=edge-device-7' });
  const caFile = join(certs.dir, 'client-ca.pem');
  writeFileSync(caFile, clientCa.cert);
  return { clientCa, serverCa, server, billing, orders, forged, selfSigned, caFile };
}
type Certs = ReturnType<typeof makeCertificates>;

/**
 * Registers the mTLS clients straight in the database (this server speaks https only), each row with its
 * change-feed row so the running server knows the ids before the first request.
 */
async function registerClients(t: TestApp, c: Certs): Promise<void> {
  for (const id of ['billing', 'orders', 'edge'])
    await insertClient(t, { clientId: id, secret: 'unused-secret-0123456789abcdef', scopes: ['orders.read'] });
  await updateClientRow(
    t,
    'billing',
    `token_endpoint_auth_method = 'tls_client_auth', secret_hash = NULL, tls_client_auth_subject_dn = 'CN=billing,O=Acme',
       tls_client_certificate_bound_access_tokens = true`,
  );
  await updateClientRow(
    t,
    'orders',
    `token_endpoint_auth_method = 'tls_client_auth', secret_hash = NULL, tls_client_auth_san_dns = 'orders.acme.test'`,
  );
  const jwk = await exportJWK(createPublicKey(c.selfSigned.key));
  await updateClientRow(
    t,
    'edge',
    `token_endpoint_auth_method = 'self_signed_tls_client_auth', secret_hash = NULL, jwks = $2, tls_client_certificate_bound_access_tokens = true`,
    [{ keys: [jwk] }],
  );
}

/** The server terminates TLS itself (TLS_CERT_FILE, TLS_KEY_FILE, MTLS_CLIENT_CA_FILE) and asks for a client certificate. */
describe('mutual TLS on the server’s own TLS listener (RFC 8705)', () => {
  const certs = new CertificateFactory();
  let c: Certs;
  let t: TestApp;
  let base: string;

  /** A fetch presenting `pem` as client certificate (undici Agent), trusting the test server CA. */
  const fetchWith = (pem?: Pem): typeof fetch => {
    const agent = new Agent({ connect: { ca: c.serverCa.cert, ...(pem ? { cert: pem.cert, key: pem.key } : {}) } });
    return ((url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
  };
  const tokenRequest = async (pem: Pem | undefined, clientId: string, headers: Record<string, string> = {}) => {
    const res = await fetchWith(pem)(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  let keyServer: FakeHttp;

  beforeAll(async () => {
    c = makeCertificates(certs);
    // A client publishing its keys by reference: another key first, then the self-signed certificate's.
    const other = await exportJWK(createPublicKey(c.billing.key));
    const own = await exportJWK(createPublicKey(c.selfSigned.key));
    keyServer = await fakeHttp((_, __, res) => sendJson(res, { keys: [other, own] }));
    const port = await freePort();
    base = `https://127.0.0.1:${port}/ms-auth-server`;
    t = await startTestApp({
      PORT: String(port),
      ISSUER: base,
      TLS_CERT_FILE: c.server.certFile,
      TLS_KEY_FILE: c.server.keyFile,
      MTLS_CLIENT_CA_FILE: c.caFile,
    });
    await registerClients(t, c);
    await insertClient(t, { clientId: 'edge-remote', secret: 'unused-secret-0123456789abcdef', scopes: ['orders.read'] });
    await updateClientRow(
      t,
      'edge-remote',
      `token_endpoint_auth_method = 'self_signed_tls_client_auth', secret_hash = NULL, jwks_uri = $2`,
      [`${keyServer.url}/jwks.json`],
    );
  });
  afterAll(async () => {
    await t?.close();
    await keyServer?.close();
    certs.dispose();
  });

  it('finds a self-signed certificate’s key among the keys at the client’s jwks_uri, and refuses another', async () => {
    expect((await tokenRequest(c.selfSigned, 'edge-remote')).status).toBe(200);
    const stranger = await tokenRequest(c.orders, 'edge-remote');
    expect(stranger.status).toBe(401);
    expect(stranger.body.error).toBe('invalid_client');
  });

  it('gives openid-client (TlsClientAuth over a fetch with a client certificate) a certificate-bound token', async () => {
    const config = new oidc.Configuration({ issuer: base, token_endpoint: `${base}/oauth2/token` }, 'billing', {}, oidc.TlsClientAuth());
    config[oidc.customFetch] = fetchWith(c.billing);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders.read' });
    expect(tokens.token_type).toBe('bearer');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ 'x5t#S256': x5t(c.billing) });

    const intro = await fetchWith(c.billing)(`${base}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'billing', token: tokens.access_token }).toString(),
    });
    expect(await intro.json()).toMatchObject({ active: true, client_id: 'billing', cnf: { 'x5t#S256': x5t(c.billing) } });
  });

  it('authenticates by a SAN (dNSName) and by a self-signed certificate whose key the client registered', async () => {
    const orders = await tokenRequest(c.orders, 'orders');
    expect(orders.status).toBe(200);
    // Not registered for binding: a plain bearer token.
    expect(decodeJwt(orders.body.access_token as string).cnf).toBeUndefined();
    const edge = await tokenRequest(c.selfSigned, 'edge');
    expect(edge.status).toBe(200);
    expect(decodeJwt(edge.body.access_token as string).cnf).toEqual({ 'x5t#S256': x5t(c.selfSigned) });
  });

  it('binds to the DPoP key instead when the mTLS client also sends a proof', async () => {
    const key = await dpopKey();
    const res = await tokenRequest(c.billing, 'billing', { DPoP: await dpopProof(key, `${base}/oauth2/token`) });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    expect(decodeJwt(res.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
  });

  it.each<[string, keyof Certs | undefined, string]>([
    ['another client’s certificate', 'orders', 'billing'],
    ['a certificate chaining to a foreign CA', 'forged', 'billing'],
    ['a self-signed certificate for a PKI client', 'selfSigned', 'billing'],
    ['a certificate whose key the client did not register', 'billing', 'edge'],
    ['no certificate at all', undefined, 'billing'],
  ])('refuses %s with 401 invalid_client', async (_, cert, clientId) => {
    const res = await tokenRequest(cert ? (c[cert] as Pem) : undefined, clientId);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('publishes the mTLS methods and certificate-bound tokens in its metadata', async () => {
    const res = await fetchWith()(`https://127.0.0.1:${t.port}/.well-known/oauth-authorization-server/ms-auth-server`, {});
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(doc.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']));
    expect(doc.mtls_endpoint_aliases).toBeUndefined();
  });
});

/**
 * Behind a TLS-terminating proxy: the real nginx with deploy/nginx-mtls.conf forwards the certificate in
 * X-Client-Cert, which the server believes only from TRUST_PROXY addresses.
 */
describe('mutual TLS behind nginx (MTLS_CLIENT_CERT_HEADER)', () => {
  const certs = new CertificateFactory();
  let c: Certs;
  let t: TestApp;
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let nginxBase: string;
  const sourced = new SourcedHttp();

  const curl = async (pem: Pem | undefined, form: Record<string, string>, extra: string[] = []) => {
    const args = ['-sS', '--cacert', c.serverCa.certFile, ...(pem ? ['--cert', pem.certFile, '--key', pem.keyFile] : [])];
    for (const [k, v] of Object.entries(form)) args.push('--data-urlencode', `${k}=${v}`);
    const { stdout } = await run('curl', [...args, ...extra, '-w', '\n%{http_code}', `${nginxBase}/oauth2/token`]);
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
  };

  beforeAll(async () => {
    c = makeCertificates(certs);
    const nginxPort = await freePort();
    nginxBase = `https://127.0.0.1:${nginxPort}/ms-auth-server`;
    t = await startTestApp({
      ISSUER: nginxBase,
      TRUST_PROXY: '127.0.0.1',
      MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert',
      MTLS_CLIENT_CA_FILE: c.caFile,
      MTLS_ENDPOINT_BASE: 'https://mtls.auth.example.com/ms-auth-server',
    });
    await registerClients(t, c);

    const site = readFileSync(join(ROOT, 'deploy/nginx-mtls.conf'), 'utf8')
      .replace('listen 8443 ssl;', `listen 127.0.0.1:${nginxPort} ssl;`)
      .replace('/etc/nginx/certs/server.pem', c.server.certFile)
      .replace('/etc/nginx/certs/server.key', c.server.keyFile);
    const dir = join(certs.dir, 'nginx');
    mkdirSync(dir);
    chmodSync(certs.dir, 0o755);
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'site.conf'), `upstream auth_server {\n    server 127.0.0.1:${t.port};\n}\n${site}`);
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events {}',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`),
        `  include ${dir}/site.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    nginx.stderr!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await run('curl', ['-sS', '-o', '/dev/null', '--cacert', c.serverCa.certFile, `${nginxBase}/health/live`]).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`nginx did not start:\n${nginxLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await t?.close();
    certs.dispose();
  });

  it('gives curl --cert a certificate-bound token through nginx', async () => {
    const res = await curl(c.billing, { grant_type: 'client_credentials', client_id: 'billing' });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).cnf).toEqual({ 'x5t#S256': x5t(c.billing) });
  });

  it('ignores a certificate header a client sends itself through nginx', async () => {
    const forgedHeader = `X-Client-Cert: ${encodeURIComponent(c.billing.cert)}`;
    const res = await curl(undefined, { grant_type: 'client_credentials', client_id: 'billing' }, ['-H', forgedHeader]);
    expect(res.status).toBe(401);
  });

  it('ignores the header from an address outside TRUST_PROXY, and logs it at warn', async () => {
    const res = await sourced.send('127.0.0.2', `${t.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-client-cert': encodeURIComponent(c.billing.cert) },
      body: 'grant_type=client_credentials&client_id=billing',
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_client' });
    const line = t.logs.find((l) => l.includes('ignored x-client-cert from 127.0.0.2'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).level).toBe(40);
  });

  it('registers mTLS clients and binding settings through the admin API, and refuses incomplete ones naming the field', async () => {
    const admin = adminApi(t);
    const created = await admin.post('/admin/clients', {
      client_id: 'reports',
      scope: 'orders.read',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_uri: 'spiffe://acme/billing',
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_uri: 'spiffe://acme/billing',
      tls_client_certificate_bound_access_tokens: true,
      dpop_bound_access_tokens: false,
    });
    expect(created.body.client_secret).toBeUndefined();
    const res = await curl(c.billing, { grant_type: 'client_credentials', client_id: 'reports' });
    expect(res.status).toBe(200);

    const none = await admin.post('/admin/clients', { scope: 'orders.read', token_endpoint_auth_method: 'tls_client_auth' });
    expect(none.status).toBe(400);
    expect(none.body.details.map((d: { field: string }) => d.field)).toContain('token_endpoint_auth_method');
    const stray = await admin.post('/admin/clients', { scope: 'orders.read', tls_client_auth_san_dns: 'x.acme.test' });
    expect(stray.status).toBe(400);
    expect(stray.body.details.map((d: { field: string }) => d.field)).toContain('tls_client_auth_san_dns');
    const selfNoKeys = await admin.post('/admin/clients', {
      scope: 'orders.read',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
    });
    expect(selfNoKeys.status).toBe(400);
    expect(selfNoKeys.body.details.map((d: { field: string }) => d.field)).toContain('jwks');
  });

  it('requires a certificate from a client registered for certificate-bound tokens that authenticates by secret', async () => {
    const admin = adminApi(t);
    const created = await admin.post('/admin/clients', {
      client_id: 'bound-secret',
      scope: 'orders.read',
      tls_client_certificate_bound_access_tokens: true,
    });
    const secret = created.body.client_secret as string;
    const res = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('bound-secret', secret) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/client certificate/);
    const viaNginx = await curl(c.orders, { grant_type: 'client_credentials' }, ['--user', `bound-secret:${secret}`]);
    expect(viaNginx.status).toBe(200);
    expect(decodeJwt(viaNginx.body.access_token as string).cnf).toEqual({ 'x5t#S256': x5t(c.orders) });
  });

  it('publishes the mTLS endpoint aliases (RFC 8705 §5)', async () => {
    const res = await fetch(`${t.origin}/.well-known/oauth-authorization-server/ms-auth-server`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.mtls_endpoint_aliases).toEqual({
      token_endpoint: 'https://mtls.auth.example.com/ms-auth-server/oauth2/token',
      introspection_endpoint: 'https://mtls.auth.example.com/ms-auth-server/oauth2/introspect',
      revocation_endpoint: 'https://mtls.auth.example.com/ms-auth-server/oauth2/revoke',
    });
  });
});
