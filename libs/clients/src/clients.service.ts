import { AppConfig } from '@app/config';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ClientCache } from './client-cache';
import { ClientEntity } from './client.entity';
import { storableClientId } from './client-rules';
import { SecretHasher } from './secret-hasher';

export const CLIENT_TOPIC = 'client';

/**
 * Client lookup and secret verification: the hot path of every token request. The seams for caching and
 * secret verification live here so the token endpoint never touches storage or hashing directly.
 */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);
  private readonly cache: ClientCache;
  private cacheHits = 0;
  private cacheMisses = 0;

  constructor(
    @InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>,
    private readonly hasher: SecretHasher,
    feed: ChangeFeed,
    config: AppConfig,
  ) {
    this.cache = new ClientCache(config.secrets.cacheTtlSeconds * 1000);
    feed.subscribe(CLIENT_TOPIC, (id) => (id === ALL_KEYS ? this.cache.clear() : this.cache.invalidate(id)));
  }

  async findById(clientId: string): Promise<ClientEntity | null> {
    if (!storableClientId(clientId)) return null;
    return this.repo.findOneBy({ clientId });
  }

  /**
   * The enabled client whose id and secret match, or null. Unknown ids, disabled clients and wrong secrets
   * all return null after the same amount of hashing work (RFC 6749 §2.3.1, §10.2 hygiene).
   */
  async authenticate(clientId: string, secret: string): Promise<ClientEntity | null> {
    const cached = this.cache.match(clientId, secret);
    if (cached) {
      this.cacheHits++;
      return cached.enabled ? cached : null;
    }
    this.cacheMisses++;

    const client = storableClientId(clientId) ? await this.repo.findOneBy({ clientId }) : null;
    if (!client) {
      await this.hasher.burn(secret);
      return null;
    }
    const current = await this.hasher.verify(secret, client.secretHash);
    if (current.valid) {
      this.cache.remember(client, secret, Number.POSITIVE_INFINITY);
      if (current.needsRehash) void this.rehash(client, secret);
      return client.enabled ? client : null;
    }
    const grace = client.previousSecretExpiresAt?.getTime() ?? 0;
    if (client.previousSecretHash && grace > Date.now()) {
      const previous = await this.hasher.verify(secret, client.previousSecretHash);
      if (previous.valid) {
        this.cache.remember(client, secret, grace);
        return client.enabled ? client : null;
      }
    }
    return null;
  }

  /** Cumulative cache hits and misses of authenticate(), and the entries held now (read by the metrics). */
  cacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.cacheHits, misses: this.cacheMisses, size: this.cache.size };
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
