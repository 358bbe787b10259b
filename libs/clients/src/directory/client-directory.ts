import { LruMap } from '@app/common';
import { ClientCacheConfig, Clock } from '@app/config';
import { ALL_KEYS, ChangeFeed, textTopic } from '@app/persistence';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { storableClientId } from '../client-rules';
import { ClientEntity } from '../client.entity';
import { IdFilter } from './id-filter';

/** The change-feed topic of client rows; the key is the client id. */
export const CLIENT_TOPIC = textTopic('client');

/** A client id whose row changed, or ALL_KEYS when this instance may have missed changes. */
export type ClientChangeListener = (clientId: string | typeof ALL_KEYS) => void;

/** A secret proven against one stored slow hash: valid while the row still holds that hash. */
interface Proof {
  mac: Buffer;
  hash: string;
}

interface Entry {
  /** The row, or null: no such client. */
  client: ClientEntity | null;
  /** After this instant (or once a change to the client is seen) the row is read again before it answers. */
  freshUntil: number;
  proofs: Proof[];
}

/** At most two secrets are valid at once (current and grace); a few more cover rotations in between. */
const MAX_PROOFS = 4;
const ID_PAGE = 10_000;
const REBUILD_RETRY_MS = 5_000;

/**
 * The one owner of what this instance knows about clients, and the only listener on the client topic of the
 * change feed:
 *   - every registered client id, in a filter with no false negatives (IdFilter), so an id that was never
 *     registered costs no database round trip;
 *   - the rows themselves, including "no such client", bounded by CLIENT_CACHE_SIZE (least recently used out);
 *   - the slow-hash secrets already proven against a row (as an HMAC under a key that never leaves the process);
 *   - the listeners that hold derived state (token reuse), told of every change.
 *
 * Staleness rule: a row answers until a change to that client is seen (at once on the instance that made it,
 * within one change-feed poll interval on the others) or CLIENT_CACHE_TTL passes, whichever comes first. Every
 * change seen, for any id, cached or not, bumps `generation`; a row read or a secret proven while the
 * generation moved is not stored, so a read that raced with a change can never outlive it.
 */
@Injectable()
export class ClientDirectory implements OnApplicationShutdown {
  private readonly logger = new Logger('ClientDirectory');
  private readonly entries: LruMap<string, Entry>;
  private readonly ttlMs: number;
  private readonly key = randomBytes(32);
  private readonly listeners: ClientChangeListener[] = [];
  /** Undefined until built (and after a feed gap): then every id may exist. */
  private ids: IdFilter | undefined;
  private building: Promise<void> | undefined;
  /** Ids seen in changes while a rebuild scans the table, added to the new filter when it is done. */
  private addedWhileBuilding: string[] | undefined;
  private retry: NodeJS.Timeout | undefined;
  private generationValue = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    @InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>,
    private readonly clock: Clock,
    feed: ChangeFeed,
    clientCache: ClientCacheConfig,
  ) {
    this.ttlMs = clientCache.ttlSeconds * 1000;
    this.entries = new LruMap(clientCache.size);
    feed.subscribe(CLIENT_TOPIC, (key) => this.changed(key));
  }

  /**
   * Reads every client id into the filter. The server calls it once its start-up work on clients is done (after
   * the bootstrap clients exist, under the lock that instances starting together share), before it listens, so
   * the first stranger already costs no round trip and an instance never misses a client seeded by its twin.
   * Until then (and in the CLI, which never calls it) every id may exist and is looked up.
   */
  loadIds(): Promise<void> {
    return this.rebuildIds();
  }

  onApplicationShutdown(): void {
    if (this.retry) clearTimeout(this.retry);
  }

  /** Changes on every change seen; capture it before a read whose result is to be remembered. */
  get generation(): number {
    return this.generationValue;
  }

  /** Told of every change to a client (ALL_KEYS: any client may have changed). */
  onChange(listener: ClientChangeListener): void {
    this.listeners.push(listener);
  }

  /** False only for an id that was never registered (or cannot be stored at all). */
  mayExist(clientId: string): boolean {
    if (!storableClientId(clientId)) return false;
    return this.ids === undefined || this.ids.mayContain(clientId);
  }

  /**
   * The client's current row, or null; from memory while fresh (see the staleness rule). `known: true` says the
   * caller already holds proof that the client was registered (a token this server signed for it), so an id the
   * filter does not hold yet (created on another instance within the last poll) is looked up rather than refused.
   */
  async find(clientId: string, opts: { known?: boolean } = {}): Promise<ClientEntity | null> {
    const e = this.entries.get(clientId);
    const now = this.clock.now();
    if (e && e.freshUntil > now) {
      this.hits++;
      return e.client;
    }
    this.misses++;
    if (!(opts.known ? storableClientId(clientId) : this.mayExist(clientId))) return null;
    const generation = this.generationValue;
    const client = await this.repo.findOneBy({ clientId });
    if (this.ttlMs > 0 && generation === this.generationValue) {
      // Proofs carry over while the row still holds the hash they were made against.
      const proofs = client && e ? e.proofs.filter((p) => accepts(client, p.hash, now)) : [];
      this.entries.set(clientId, { client, freshUntil: now + this.ttlMs, proofs });
    }
    return client;
  }

  /** Whether `secret` was proven before against a slow hash this row still accepts. */
  proven(client: ClientEntity, secret: string): boolean {
    const e = this.entries.peek(client.clientId);
    if (!e || e.client !== client || e.proofs.length === 0) return false;
    const mac = this.mac(secret);
    const now = this.clock.now();
    let found = false;
    for (const p of e.proofs) if (timingSafeEqual(p.mac, mac) && accepts(client, p.hash, now)) found = true;
    return found;
  }

  /**
   * Records that `secret` matched `hash` of this row, unless a change was seen since `generation` was captured
   * (before the row was read) or the row was read again meanwhile.
   */
  remember(client: ClientEntity, secret: string, hash: string, generation: number): void {
    if (generation !== this.generationValue) return;
    const e = this.entries.peek(client.clientId);
    if (!e || e.client !== client) return;
    const mac = this.mac(secret);
    e.proofs = e.proofs.filter((p) => !(p.hash === hash && timingSafeEqual(p.mac, mac)));
    e.proofs.push({ mac, hash });
    if (e.proofs.length > MAX_PROOFS) e.proofs.splice(0, e.proofs.length - MAX_PROOFS);
  }

  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }

  /** Memory of the id filter in bytes (0 while it is not built), for the benchmark. */
  idFilterBytes(): number {
    return this.ids?.bytes ?? 0;
  }

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }

  private changed(key: string | typeof ALL_KEYS): void {
    this.generationValue++;
    if (key === ALL_KEYS) {
      for (const e of this.entries.values()) e.freshUntil = 0;
      // Creations may have been missed too: every id may exist until the filter is built again.
      this.ids = undefined;
      void this.rebuildIds();
    } else {
      const e = this.entries.peek(key);
      if (e) e.freshUntil = 0;
      // A change may be a creation; adding an id that exists already (or was deleted) is harmless.
      this.ids?.add(key);
      this.addedWhileBuilding?.push(key);
      if (this.ids?.full) void this.rebuildIds();
    }
    for (const l of this.listeners) l(key);
  }

  /** Scans every client id into a new filter sized for twice as many; the previous one answers meanwhile. */
  private rebuildIds(): Promise<void> {
    if (this.building) return this.building;
    const added: string[] = [];
    this.addedWhileBuilding = added;
    this.building = (async () => {
      try {
        const [{ count }] = await this.repo.query<{ count: number }[]>('SELECT count(*)::int AS count FROM oauth_clients');
        const filter = new IdFilter(count * 2);
        let after = '';
        for (;;) {
          const rows = await this.repo.query<{ client_id: string }[]>(
            'SELECT client_id FROM oauth_clients WHERE client_id > $1 ORDER BY client_id LIMIT $2',
            [after, ID_PAGE],
          );
          for (const r of rows) filter.add(r.client_id);
          if (rows.length < ID_PAGE) break;
          after = rows[rows.length - 1].client_id;
        }
        for (const id of added) filter.add(id);
        this.ids = filter;
      } catch (err) {
        this.logger.warn(`could not read the client ids (every id is looked up meanwhile): ${(err as Error).message}`);
        this.retry = setTimeout(() => void this.rebuildIds(), REBUILD_RETRY_MS);
        this.retry.unref();
      } finally {
        this.addedWhileBuilding = undefined;
        this.building = undefined;
      }
    })();
    return this.building;
  }
}

/** Whether `hash` still accepts secrets for this row (the previous hash only during its grace window). */
function accepts(client: ClientEntity, hash: string, now: number): boolean {
  if (hash === client.secretHash) return true;
  return hash === client.previousSecretHash && (client.previousSecretExpiresAt?.getTime() ?? 0) > now;
}
