import { generateSigningKey, KeyEncrypter, KeysService } from '@app/keys';
import { freePort } from '@app/persistence';
import { ADMIN_ID, ADMIN_SECRET, startTestApp, type TestApp } from './support/test-app';
import { fetchJwks, kids } from './support/keys';
import { startServerProcess } from './support/server-process';

/** The messages the server logged at error level from KeysService (JSON log lines). */
function errorsOf(t: TestApp): string[] {
  return t.logs.flatMap((l) => {
    try {
      const e = JSON.parse(l) as { level?: number; context?: string; msg?: string };
      return e.level === 50 && e.context === 'KeysService' && e.msg ? [e.msg] : [];
    } catch {
      return [];
    }
  });
}

/** Every stored key is checked on load; a failing row is neither published nor used. */
describe('signing key integrity on load', () => {
  let t: TestApp;
  let encrypter: KeyEncrypter;

  beforeAll(async () => {
    t = await startTestApp();
    encrypter = new KeyEncrypter(t.config.keys.encryptionKeys);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function insertKey(kid: string, status: 'next' | 'retired', publicJwk: object, privateKey: string): Promise<void> {
    await t.db.query(
      `INSERT INTO signing_keys (kid, alg, status, public_jwk, private_key, expires_at) VALUES ($1, 'RS256', $2, $3::jsonb, $4, $5)`,
      [kid, status, JSON.stringify(publicJwk), privateKey, status === 'retired' ? new Date(Date.now() + 3_600_000) : null],
    );
  }

  it('does not publish a key whose kid is not its RFC 7638 thumbprint, and names it', async () => {
    const other = await generateSigningKey('RS256');
    await insertKey('forged-kid', 'retired', { ...other.publicJwk, kid: 'forged-kid' }, encrypter.seal(other.privatePkcs8, 'forged-kid'));
    await t.app.get(KeysService).reload();
    const { keys } = await fetchJwks(t.baseUrl);
    expect(kids(keys)).not.toContain('forged-kid');
    expect(keys).toHaveLength(1);
    expect(errorsOf(t)).toContainEqual(
      expect.stringMatching(/^signing key forged-kid \(retired\) is neither published nor used: kid is not the RFC 7638 thumbprint/),
    );
  });

  it('does not publish a next key whose private part belongs to another key, and names it', async () => {
    const published = await generateSigningKey('RS256');
    const stranger = await generateSigningKey('RS256');
    await insertKey(published.kid, 'next', published.publicJwk, encrypter.seal(stranger.privatePkcs8, published.kid));
    await t.app.get(KeysService).reload();
    expect(kids((await fetchJwks(t.baseUrl)).keys)).not.toContain(published.kid);
    expect(errorsOf(t)).toContain(
      `signing key ${published.kid} (next) is neither published nor used: private key does not match its public key`,
    );
    await t.db.query(`DELETE FROM signing_keys WHERE kid = $1`, [published.kid]);
  });

  it('refuses to start when the active key fails, naming it', async () => {
    const [active] = await t.db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'active'`);
    const stranger = await generateSigningKey('RS256');
    await t.db.query(`UPDATE signing_keys SET private_key = $1 WHERE kid = $2`, [
      encrypter.seal(stranger.privatePkcs8, active.kid),
      active.kid,
    ]);
    const started = startServerProcess({
      DATABASE_URL: t.db.url,
      KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url'),
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      PORT: String(await freePort()),
    });
    await expect(started).rejects.toThrow(
      `the active signing key ${active.kid} failed its integrity check: private key does not match its public key`,
    );
  });
});
