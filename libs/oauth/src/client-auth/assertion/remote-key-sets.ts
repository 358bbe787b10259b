import { MAX_CLIENT_KEYS, publicSigningKeyProblem } from '@app/clients';
import { AssertionConfig, Clock, ServerConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { FetchPolicy } from './address-policy';
import { fetchJson, FetchRefused } from './guarded-fetch';

export type KeySet = ReturnType<typeof createLocalJWKSet>;

interface Entry {
  keys: KeySet | undefined;
  /** Until then the keys are used without asking again (Cache-Control within JWKS_MIN_CACHE..JWKS_MAX_CACHE). */
  freshUntil: number;
  /** Last refetch caused by an unknown kid: at most one per JWKS_REFETCH_INTERVAL, so unknown kids cannot flood the host. */
  lastKidRefetch: number;
  pending: Promise<void> | undefined;
}

const MAX_ENTRIES = 10_000;

export class KeysUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeysUnavailable';
  }
}

/**
 * Key sets fetched from jwks_uri and OIDC discovery, cached per URL. The verified key set is cached, never an
 * assertion. A fetch that fails (down, garbage, refused by the SSRF guard) keeps the keys fetched before.
 */
@Injectable()
export class RemoteKeySets {
  private readonly logger = new Logger('RemoteKeySets');
  private readonly entries = new Map<string, Entry>();
  private readonly discovered = new Map<string, { jwksUri: string; freshUntil: number }>();

  constructor(
    private readonly assertions: AssertionConfig,
    private readonly server: ServerConfig,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return this.clock.now();
  }

  /** The keys at `uri`, fetched when not fresh; throws KeysUnavailable when none were ever fetched. */
  async keys(uri: string, allowPrivateNetwork: boolean): Promise<KeySet> {
    const entry = this.entry(uri, allowPrivateNetwork);
    // A failed fetch is not retried before its freshUntil (the refetch interval): a down host is not hammered.
    if (entry.freshUntil <= this.now()) await this.refresh(uri, entry, allowPrivateNetwork);
    if (!entry.keys) throw new KeysUnavailable(`the key set at ${uri} could not be fetched`);
    return entry.keys;
  }

  /**
   * After an unknown kid (a client that rotated its keys): fetch again unless an unknown kid already did so within
   * JWKS_REFETCH_INTERVAL. Returns the new keys, or undefined when no refetch was made.
   */
  async refetchForUnknownKid(uri: string, allowPrivateNetwork: boolean): Promise<KeySet | undefined> {
    const entry = this.entry(uri, allowPrivateNetwork);
    if (this.now() - entry.lastKidRefetch < this.assertions.jwksRefetchIntervalSeconds * 1000) return undefined;
    entry.lastKidRefetch = this.now();
    await this.refresh(uri, entry, allowPrivateNetwork);
    return entry.keys;
  }

  /** The jwks_uri an OIDC issuer announces at {issuer}/.well-known/openid-configuration (OpenID Discovery §4). */
  async discoverJwksUri(issuer: string, allowPrivateNetwork: boolean): Promise<string> {
    const cacheKey = `${allowPrivateNetwork} ${issuer}`;
    const known = this.discovered.get(cacheKey);
    if (known && known.freshUntil > this.now()) return known.jwksUri;
    try {
      const doc = await fetchJson(`${issuer}/.well-known/openid-configuration`, this.policy(allowPrivateNetwork), this.limits());
      const body = doc.body as { issuer?: unknown; jwks_uri?: unknown } | null;
      // §4.3: the document must name the issuer it was fetched for.
      if (typeof body !== 'object' || body === null || body.issuer !== issuer || typeof body.jwks_uri !== 'string') {
        throw new FetchRefused('discovery document without matching issuer or jwks_uri');
      }
      this.discovered.set(cacheKey, { jwksUri: body.jwks_uri, freshUntil: this.now() + this.cacheSeconds(doc.maxAgeSeconds) * 1000 });
      return body.jwks_uri;
    } catch (err) {
      if (known) return known.jwksUri;
      this.logger.warn(`discovery of ${issuer} failed: ${(err as Error).message}`);
      throw new KeysUnavailable(`discovery of ${issuer} failed`);
    }
  }

  /**
   * Keyed by URL and policy: keys fetched for an issuer allowed to reach a private address must never serve a
   * client whose jwks_uri names that same URL without that permission.
   */
  private entry(uri: string, allowPrivateNetwork: boolean): Entry {
    const key = `${allowPrivateNetwork} ${uri}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      entry = { keys: undefined, freshUntil: 0, lastKidRefetch: -Infinity, pending: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private refresh(uri: string, entry: Entry, allowPrivateNetwork: boolean): Promise<void> {
    // Concurrent requests share one fetch.
    entry.pending ??= this.fetchInto(uri, entry, allowPrivateNetwork).finally(() => (entry.pending = undefined));
    return entry.pending;
  }

  private async fetchInto(uri: string, entry: Entry, allowPrivateNetwork: boolean): Promise<void> {
    try {
      const res = await fetchJson(uri, this.policy(allowPrivateNetwork), this.limits());
      entry.keys = createLocalJWKSet(publicKeySet(res.body));
      entry.freshUntil = this.now() + this.cacheSeconds(res.maxAgeSeconds) * 1000;
    } catch (err) {
      // Keys fetched earlier keep working; a broken set is tried again after the refetch interval.
      entry.freshUntil = this.now() + this.assertions.jwksRefetchIntervalSeconds * 1000;
      this.logger.warn(`fetching the key set at ${uri} failed: ${(err as Error).message}`);
    }
  }

  private cacheSeconds(maxAge: number | undefined): number {
    const { jwksMinCacheSeconds: min, jwksMaxCacheSeconds: max } = this.assertions;
    return Math.min(max, Math.max(min, maxAge ?? min));
  }

  private policy(allowPrivateNetwork: boolean): FetchPolicy {
    return { production: this.server.production, allowPrivateNetwork };
  }

  private limits(): { timeoutMs: number; maxBytes: number } {
    return { timeoutMs: this.assertions.fetchTimeoutMs, maxBytes: this.assertions.fetchMaxBytes };
  }
}

/**
 * A fetched document as a JWK Set of public signing keys. Keys this server would refuse at registration (weak or
 * oversized RSA, private members, other uses) are left out; a set of more than MAX_CLIENT_KEYS keys, or with no
 * usable key, is garbage: the cost of checking one assertion stays bounded whoever serves the set.
 */
export function publicKeySet(body: unknown): JSONWebKeySet {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new FetchRefused('not a JWK Set');
  if (keys.length > MAX_CLIENT_KEYS) throw new FetchRefused(`the JWK Set holds ${keys.length} keys, more than ${MAX_CLIENT_KEYS}`);
  const usable = keys.filter((k): k is JSONWebKeySet['keys'][number] => publicSigningKeyProblem(k) === undefined);
  if (usable.length === 0) throw new FetchRefused('the JWK Set holds no usable public signing key');
  return { keys: usable };
}
