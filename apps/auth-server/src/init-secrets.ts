/*
 * The compose stack's one-shot init step (same image as the server):
 *   node dist/apps/auth-server/src/init-secrets.js /secrets
 * On first start it writes random secrets into the directory (a volume), one file each, mode 0600; on every
 * later start it keeps them (a file is created with O_EXCL, so it is never overwritten, even by two init
 * runs at once). The server reads them through *_FILE variables; nothing is printed but the file names.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** File name → how to make its content. 32 random bytes, base64url: the key-encryption key's own format. */
const SECRETS: Record<string, () => string> = {
  'key-encryption-keys': () => randomBytes(32).toString('base64url'),
  'admin-client-secret': () => randomBytes(32).toString('base64url'),
  'postgres-password': () => randomBytes(24).toString('base64url'),
};

export function initSecrets(dir: string): { created: string[]; kept: string[] } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created: string[] = [];
  const kept: string[] = [];
  for (const [name, make] of Object.entries(SECRETS)) {
    try {
      writeFileSync(join(dir, name), `${make()}\n`, { flag: 'wx', mode: 0o600 });
      created.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      kept.push(name);
    }
  }
  return { created, kept };
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: init-secrets <directory>\n');
    process.exit(64);
  }
  try {
    const { created, kept } = initSecrets(resolve(dir));
    for (const name of created) process.stdout.write(`created ${join(dir, name)}\n`);
    for (const name of kept) process.stdout.write(`kept ${join(dir, name)} (never overwritten)\n`);
  } catch (err) {
    process.stderr.write(`init-secrets: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
