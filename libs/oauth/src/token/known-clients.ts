import { CLIENT_TOPIC, ClientEntity, ClientsService } from '@app/clients';
import { LruMap } from '@app/common';
import { AppConfig, Clock } from '@app/config';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/**
 * The current row of a client (or its absence), for the paths that need the row but no secret proof:
 * introspection and the admin guard (is the token's client still there and enabled?) and JWT-assertion client
 * authentication (the assertion itself is the proof), without a round trip per call. Dropped on any change to
 * the client (change feed: at once on this instance, within one poll interval on the others) and after
 * CLIENT_CACHE_TTL in any case; at most CLIENT_CACHE_SIZE entries, least recently used first out.
 */
@Injectable()
export class KnownClients {
  private readonly entries: LruMap<string, { client: ClientEntity | null; until: number }>;
  private readonly ttlMs: number;
  /** Bumped by every invalidation, so a lookup that raced with a change does not cache the old row. */
  private epoch = 0;

  constructor(
    private readonly clients: ClientsService,
    private readonly clock: Clock,
    feed: ChangeFeed,
    config: AppConfig,
  ) {
    this.ttlMs = config.clientCache.ttlSeconds * 1000;
    this.entries = new LruMap(config.clientCache.size);
    feed.subscribe(CLIENT_TOPIC, (id) => {
      this.epoch++;
      if (id === ALL_KEYS) this.entries.clear();
      else this.entries.delete(id);
    });
  }

  async find(clientId: string): Promise<ClientEntity | null> {
    const hit = this.entries.get(clientId);
    const now = this.clock.now();
    if (hit && hit.until > now) return hit.client;
    const epoch = this.epoch;
    const client = await this.clients.findById(clientId);
    if (this.ttlMs > 0 && epoch === this.epoch) this.entries.set(clientId, { client, until: now + this.ttlMs });
    return client;
  }
}
