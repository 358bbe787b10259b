import { Clock } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { ClientEntity } from './client.entity';
import { ClientDirectory } from './directory/client-directory';
import { type HashLane, WorkAbandoned } from './secrets/concurrency-limit';
import { SecretHasher } from './secrets/secret-hasher';
import { fastDigest, matchesFastDigest, qualifiesForFastDigest, refuseAsUnknown, storedSecretKind } from './secrets/stored-secret';

/** How the caller takes part in one secret check. */
export interface SecretCheckOptions {
  /**
   * Called once, only when the check needs a slow hash (a supplied secret not proven before on this instance):
   * may throw to refuse (throttling), else names the lane it waits in.
   */
  admitSlow?: () => HashLane;
  /** Aborts when the request's connection closes: queued slow work is then dropped. */
  signal?: AbortSignal;
}

const admitAsNewcomer = (): HashLane => 'newcomer';

/** The stored hashes that accept a secret now: the current one, then the previous one while its grace lasts. */
function acceptedHashes(client: ClientEntity, nowMs: number): string[] {
  const out: string[] = [];
  if (client.secretHash !== null) out.push(client.secretHash);
  if (client.previousSecretHash !== null && (client.previousSecretExpiresAt?.getTime() ?? 0) > nowMs) out.push(client.previousSecretHash);
  return out;
}

/**
 * Checks a client's id and secret: the hot path of every token request. What it costs, by case:
 *   - an id never registered: one SHA-256, no database round trip (ClientDirectory's id filter);
 *   - a secret stored as a fast digest (every secret the server generates), right or wrong: one SHA-256;
 *   - a slow-hash (supplied) secret proven before on this instance: one HMAC;
 *   - any other slow-hash secret: scrypt, in a bounded slot the caller is admitted to (admitSlow).
 * A known client's row comes from the directory, so none of these touches the database while the row is fresh.
 */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);
  /** Slow verifications under way, by client id and secret digest (process memory only, never logged). */
  private readonly inFlight = new Map<string, Promise<ClientEntity | null>>();

  constructor(
    @InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>,
    private readonly directory: ClientDirectory,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
  ) {}

  /** The client's current row, or null (from the directory). */
  findById(clientId: string): Promise<ClientEntity | null> {
    return this.directory.find(clientId);
  }

  /** Cumulative directory hits and misses and the number of cached clients, for metrics. */
  cacheStats(): { hits: number; misses: number; size: number } {
    return this.directory.stats();
  }

  /**
   * The enabled client whose id and secret match, or null. Rejects with HashingBusy when the slow-hash queue is
   * full, with WorkAbandoned when `signal` aborted while slow work waited, and with whatever `admitSlow` throws.
   */
  async authenticate(clientId: string, secret: string, opts: SecretCheckOptions = {}): Promise<ClientEntity | null> {
    if (!this.directory.mayExist(clientId)) return refuseAsUnknown(secret) || null;
    const generation = this.directory.generation;
    const client = await this.directory.find(clientId);
    if (!client) return refuseAsUnknown(secret) || null;
    const hashes = acceptedHashes(client, this.clock.now());
    let slow = false;
    for (const h of hashes) {
      const kind = storedSecretKind(h);
      if (kind === 'fast' && matchesFastDigest(secret, h)) return client.enabled ? client : null;
      if (kind === 'slow') slow = true;
    }
    if (hashes.length === 0) refuseAsUnknown(secret);
    if (!slow) return null;
    if (this.directory.proven(client, secret)) return client.enabled ? client : null;
    return this.slowOnce(client, secret, generation, opts);
  }

  /** Concurrent requests of one client with one secret share one slow verification. */
  private slowOnce(client: ClientEntity, secret: string, generation: number, opts: SecretCheckOptions): Promise<ClientEntity | null> {
    const key = `${client.clientId}\u0000${createHash('sha256').update(secret, 'utf8').digest('base64')}`;
    const pending = this.inFlight.get(key);
    if (pending) {
      // Shared work dropped because the first caller went away is not this caller's answer.
      return pending.catch((err: unknown) => {
        if (err instanceof WorkAbandoned && !opts.signal?.aborted) return this.authenticate(client.clientId, secret, opts);
        throw err;
      });
    }
    const run = this.slow(client, secret, generation, opts).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async slow(client: ClientEntity, secret: string, generation: number, opts: SecretCheckOptions): Promise<ClientEntity | null> {
    const lane = (opts.admitSlow ?? admitAsNewcomer)();
    const candidates = acceptedHashes(client, this.clock.now()).map((h) => (storedSecretKind(h) === 'slow' ? h : undefined));
    const result = await this.hasher.check(secret, candidates, lane, opts.signal);
    if (result.index < 0) return null;
    const hash = candidates[result.index] as string;
    let current: ClientEntity | null = client;
    if (generation === this.directory.generation) {
      this.directory.remember(client, secret, hash, generation);
    } else {
      // A change to some client was seen while hashing: answer by the row as it is now, not as it was read.
      current = await this.directory.find(client.clientId);
      if (!current || !acceptedHashes(current, this.clock.now()).includes(hash)) return null;
    }
    if (hash === current.secretHash && (result.needsRehash || qualifiesForFastDigest(secret, 'supplied'))) {
      void this.upgrade(current.clientId, secret, hash);
    }
    return current.enabled ? current : null;
  }

  /**
   * Re-stores a secret just proven against its slow hash: as a fast digest when its shape qualifies (a 256-bit
   * secret stored before fast digests existed), else with the current scrypt parameters. Compare-and-set: a
   * rotation that happened meanwhile wins.
   */
  private async upgrade(clientId: string, secret: string, from: string): Promise<void> {
    try {
      const fast = qualifiesForFastDigest(secret, 'supplied');
      const to = fast ? fastDigest(secret) : await this.hasher.hash(secret);
      await this.repo.query('UPDATE oauth_clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash = $3', [to, clientId, from]);
      this.logger.log(`re-stored the secret of client ${clientId} ${fast ? 'as a fast digest' : 'with current scrypt parameters'}`);
    } catch (err) {
      this.logger.warn(`re-storing the secret of client ${clientId} failed: ${(err as Error).message}`);
    }
  }
}
