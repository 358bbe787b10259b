import { AppConfig, Clock } from '@app/config';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ClientCache } from './client-cache';
import { ClientEntity } from './client.entity';
import type { HashLane } from './concurrency-limit';
import { storableClientId } from './client-rules';
import { SecretHasher } from './secret-hasher';

export const CLIENT_TOPIC = 'client';

/**
 * Called once a request needs a database read and password hashing (no cached proof of its secret): may throw
 * to refuse it (throttling), else names the hashing lane it waits in.
 */
export type AdmitHashing = () => HashLane;

const admitAsNewcomer: AdmitHashing = () => 'newcomer';

/**
 * Client lookup and secret verification: the hot path of every token request. The seams for caching and
 * secret verification live here so the token endpoint never touches storage or hashing directly.
 */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);
  private readonly cache: ClientCache;
  /** Verifications under way, by client id and secret digest (process memory only, never logged). */
  private readonly inFlight = new Map<string, Promise<ClientEntity | null>>();

  constructor(
    @InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    feed: ChangeFeed,
    config: AppConfig,
  ) {
    this.cache = new ClientCache(config.clientCache.ttlSeconds * 1000, config.clientCache.size, () => clock.now());
    feed.subscribe(CLIENT_TOPIC, (id) => (id === ALL_KEYS ? this.cache.clear() : this.cache.invalidate(id)));
  }

  async findById(clientId: string): Promise<ClientEntity | null> {
    if (!storableClientId(clientId)) return null;
    return this.repo.findOneBy({ clientId });
  }

  /** Cumulative cache hits and misses and the current number of cached clients, for metrics. */
  cacheStats(): { hits: number; misses: number; size: number } {
    return this.cache.stats();
  }

  /**
   * The enabled client whose id and secret match, or null. A secret proven before is answered from memory
   * (re-reading the row, without hashing, once the cache TTL passed or the client changed); anything else goes
   * through `admit` (which may refuse it) and then costs the same hashing work whether the id is unknown or
   * the secret wrong (RFC 6749 §2.3.1, §10.2 hygiene). Rejects with HashingBusy when the hashing queue is full.
   */
  async authenticate(clientId: string, secret: string, admit: AdmitHashing = admitAsNewcomer): Promise<ClientEntity | null> {
    const known = this.cache.lookup(clientId, secret);
    if (known.kind === 'hit') return known.client.enabled ? known.client : null;
    // Concurrent requests of one client with one secret share one verification: a freshly started instance under
    // load would otherwise queue a scrypt per request and shed the surplus with 429.
    const key = `${clientId}\u0000${createHash('sha256').update(secret, 'utf8').digest('base64')}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const run = this.verify(clientId, secret, known, admit).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async verify(
    clientId: string,
    secret: string,
    known: Exclude<ReturnType<ClientCache['lookup']>, { kind: 'hit' }>,
    admit: AdmitHashing,
  ): Promise<ClientEntity | null> {
    let row: ClientEntity | null | undefined;
    if (known.kind === 'stale') {
      row = await this.repo.findOneBy({ clientId });
      if (!row) this.cache.drop(clientId);
      else if (this.cache.refresh(row, secret)) return row.enabled ? row : null;
    }

    const lane = admit();
    const client = row !== undefined ? row : storableClientId(clientId) ? await this.repo.findOneBy({ clientId }) : null;
    const grace = client?.previousSecretExpiresAt?.getTime() ?? 0;
    const candidates = [
      client?.secretHash ?? undefined,
      client?.previousSecretHash && grace > this.clock.now() ? client.previousSecretHash : undefined,
    ];
    const result = await this.hasher.check(secret, candidates, lane);
    if (!client || result.index < 0) return null;
    this.cache.remember(client, secret, candidates[result.index] as string);
    if (result.needsRehash && result.index === 0) void this.rehash(client, secret);
    return client.enabled ? client : null;
  }

  private async rehash(client: ClientEntity, secret: string): Promise<void> {
    try {
      const hash = await this.hasher.hash(secret);
      // Compare-and-set: a rotation that happened meanwhile wins.
      await this.repo.query('UPDATE oauth_clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash = $3', [
        hash,
        client.clientId,
        client.secretHash,
      ]);
      this.logger.log(`re-hashed the secret of client ${client.clientId} with current parameters`);
    } catch (err) {
      this.logger.warn(`re-hash of client ${client.clientId} failed: ${(err as Error).message}`);
    }
  }
}
