import type { Repository } from 'typeorm';
import type { ClientEntity } from './client.entity';
import type { SecretStorage } from './secrets/secret-storage';

/**
 * The quick start's sample client. Its secret is published, so it is created only on the embedded database or with
 * SEED_PLAYGROUND_CLIENT=true, and a production start refuses to run while it still works (refuseWellKnownSecret).
 */
export const PLAYGROUND_CLIENT = {
  clientId: 'service-client-jwt',
  secret: 'service-client-jwt-secret',
  scopes: ['customer.read', 'customer.write', 'country.read'],
} as const;

/** A production start that would serve a client whose secret is published in the quick start. */
export class WellKnownSecretError extends Error {
  constructor(clientId: string) {
    super(
      `refusing to start in production: client "${clientId}" is enabled and accepts the published playground secret ` +
        `from the quick start. Fix it with one of: \`npm run cli -- rotate-secret ${clientId}\`, ` +
        `\`npm run cli -- disable ${clientId}\`, \`npm run cli -- delete ${clientId}\` (same DATABASE_URL and KEY_ENCRYPTION_KEYS), then start again.`,
    );
    this.name = 'WellKnownSecretError';
  }
}

/**
 * Production refuses to run while the playground client still works with its published secret (current or
 * within a rotation's grace). Only that client id is checked: testing the secret against every client would
 * cost one scrypt per client at each start.
 */
export async function refuseWellKnownSecret(repo: Repository<ClientEntity>, secrets: SecretStorage, nowMs: number): Promise<void> {
  const client = await repo.findOneBy({ clientId: PLAYGROUND_CLIENT.clientId });
  if (!client || !client.enabled) return;
  const hashes: string[] = client.secretHash === null ? [] : [client.secretHash];
  if (client.previousSecretHash && (client.previousSecretExpiresAt?.getTime() ?? 0) > nowMs) hashes.push(client.previousSecretHash);
  for (const h of hashes) {
    if (await secrets.matches(PLAYGROUND_CLIENT.secret, h)) throw new WellKnownSecretError(client.clientId);
  }
}
