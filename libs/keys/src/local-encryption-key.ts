import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Embedded mode only: the key-encryption key kept beside the embedded database's files (mode 0600), created
 * on first start. A database reached through DATABASE_URL needs KEY_ENCRYPTION_KEYS instead, so that every
 * instance sharing it can open the signing keys.
 */
export async function loadOrCreateLocalEncryptionKey(dataDir: string): Promise<{ key: Buffer; path: string; created: boolean }> {
  const path = resolve(dataDir, 'key-encryption-key');
  if (existsSync(path)) {
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64url key`);
    return { key, path, created: false };
  }
  await mkdir(resolve(dataDir), { recursive: true });
  const key = randomBytes(32);
  await writeFile(path, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, path, created: true };
}
