import {
  ASYMMETRIC_ALGS,
  ClientDirectory,
  type ClientEntity,
  ClientSecretStore,
  type FederatedCredential,
  HMAC_ALG,
  type TrustedIssuerEntity,
  TrustedIssuers,
} from '@app/clients';
import { LruMap } from '@app/common';
import { AssertionConfig, ClientCacheConfig, Clock, ServerConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, type JWSHeaderParameters } from 'jose';
import { InvalidRequest } from '../../errors';
import { escapeForLog } from '../../throttle/security-events';
import { checkClientAssertion, checkFederatedAssertion, type JwtClaims } from './assertion-claims';
import { AssertionRejected } from './assertion-rejected';
import { type KeySet, KeysUnavailable, RemoteKeySets } from './remote-key-sets';
import { UsedAssertionIds } from './used-assertion-ids';
import { VerificationBudget } from './verification-budget';

const MAX_ASSERTION_LENGTH = 16_384;

/** Where the keys of an assertion come from, and whether an unknown kid may refetch them. */
interface KeySource {
  /** A key set, or the secrets of a client_secret_jwt client (current, then previous in its rotation grace). */
  keys: KeySet | Uint8Array[];
  refetch?: () => Promise<KeySet | undefined>;
}

/**
 * Client authentication by JWT assertion (RFC 7521 §4.2, RFC 7523 §2.2/§3): the client's own assertion
 * (private_key_jwt, client_secret_jwt), or a platform token matched against its federated credentials (workload
 * identity federation). Steps: decode, route by `iss` (a trusted issuer, else the client id), check the header's
 * algorithm, the claims, the signature, and last the single use of `jti`. Throws AssertionRejected.
 */
@Injectable()
export class ClientAssertionAuthenticator {
  /** Verified key sets of clients registered with jwks by value, per client and row version (CLIENT_CACHE_SIZE at most). */
  private readonly localKeys: LruMap<string, { version: number; keys: KeySet }>;
  private readonly logger = new Logger('ClientAssertion');
  /** Client row versions whose unopenable sealed secret was already reported (once each, not per request). */
  private readonly reported = new LruMap<string, true>(1_000);

  constructor(
    private readonly clients: ClientDirectory,
    private readonly issuers: TrustedIssuers,
    private readonly remote: RemoteKeySets,
    private readonly usedIds: UsedAssertionIds,
    private readonly budget: VerificationBudget,
    private readonly secretStore: ClientSecretStore,
    clientCache: ClientCacheConfig,
    private readonly assertions: AssertionConfig,
    private readonly server: ServerConfig,
    private readonly clock: Clock,
  ) {
    this.localKeys = new LruMap(clientCache.size);
  }

  /** Algorithms accepted for a client's own assertions, as metadata lists them (RFC 8414 §2). */
  signingAlgs(): string[] {
    return this.assertions.clientSecretJwtEnabled ? [...ASYMMETRIC_ALGS, HMAC_ALG] : [...ASYMMETRIC_ALGS];
  }

  /** `bodyClientId` is the request's client_id, if any. Returns the authenticated client (enabled). */
  async authenticate(assertion: string, bodyClientId: string | undefined): Promise<ClientEntity> {
    const { header, claims } = decode(assertion);
    const iss = claims.iss;
    if (typeof iss !== 'string' || iss === '') throw new AssertionRejected('malformed', 'the assertion must carry iss');
    try {
      const trusted = await this.issuers.find(iss);
      if (trusted) return await this.federated(assertion, header, claims, trusted, bodyClientId);
      if (bodyClientId !== undefined && bodyClientId !== iss) {
        throw new AssertionRejected('client_id_mismatch', 'client_id does not match the assertion');
      }
      return await this.own(assertion, header, claims, iss);
    } catch (err) {
      // The client was told only that it is not recognised: the operator needs the real reason.
      if (err instanceof AssertionRejected && err.hidden) {
        this.logger.warn(`assertion naming client_id="${escapeForLog(bodyClientId ?? iss)}" refused (${err.reason}): ${err.detail}`);
      }
      throw err;
    }
  }

  /**
   * The part of a trusted issuer's token that no client decides: the issuer is trusted, the algorithm is one it
   * signs with, and the signature holds (keys from memory, refetched only for an unknown kid within the fetch
   * limits). Lets a grant without client authentication prove the assertion before it looks a client up; the
   * claims are checked against that client's credentials afterwards (verifyIssuerToken). Undefined when `iss`
   * names no trusted issuer. Throws AssertionRejected.
   */
  async signedByTrustedIssuer(token: string): Promise<JwtClaims | undefined> {
    const found = await this.trustedIssuerOf(token);
    if (!found) return undefined;
    await this.verifySignedBy(found.issuer, token);
    return found.claims;
  }

  /**
   * a token of a trusted issuer handed to a grant (an RFC 8693 subject or actor token, an
   * RFC 7523 §2.1 assertion), checked as federation checks it: the issuer's algorithms, lifetime and signature, and
   * `aud` (this server, or what the matching credential names). With `credentials`, the token must match one of them
   * and is single-use when the issuer asks for replay protection; without, only `aud` = this server is required.
   * Undefined when `iss` names no trusted issuer. Throws AssertionRejected.
   */
  async verifyIssuerToken(
    token: string,
    credentials?: readonly FederatedCredential[],
  ): Promise<{ claims: JwtClaims; credential?: FederatedCredential } | undefined> {
    const found = await this.trustedIssuerOf(token);
    if (!found) return undefined;
    const { claims, issuer } = found;
    const rules = {
      issuer: issuer.issuer,
      defaultAudience: this.server.issuer,
      maxLifetime: issuer.maxAssertionLifetime,
      requireJti: credentials !== undefined && issuer.replayProtection,
      now: this.clock.nowSeconds(),
      skew: this.assertions.clockSkewSeconds,
    };
    // Without credentials, the only one is "any subject, for this server".
    const against = credentials ?? [{ issuer: issuer.issuer, subject: String(claims.sub) }];
    const { exp, jti, credential } = checkFederatedAssertion(claims, against, rules);
    await this.verifySignedBy(issuer, token);
    if (rules.requireJti && jti !== undefined) await this.consume(issuer.issuer, jti, exp);
    return { claims, ...(credentials ? { credential } : {}) };
  }

  /** The trusted issuer `iss` names (undefined: none), once the header's algorithm is one it signs with. */
  private async trustedIssuerOf(token: string): Promise<{ claims: JwtClaims; issuer: TrustedIssuerEntity } | undefined> {
    const { header, claims } = decode(token);
    const issuer = typeof claims.iss === 'string' && claims.iss !== '' ? await this.issuers.find(claims.iss) : null;
    if (!issuer) return undefined;
    if (typeof header.alg !== 'string' || !issuer.signingAlgValues.includes(header.alg)) {
      throw new AssertionRejected('alg_not_allowed', `tokens of this issuer must be signed with ${issuer.signingAlgValues.join(', ')}`);
    }
    return { claims, issuer };
  }

  private async verifySignedBy(issuer: TrustedIssuerEntity, token: string): Promise<void> {
    await this.verify(issuer.issuer, token, issuer.signingAlgValues, await this.issuerKeys(issuer));
  }

  /**
   * The checks that do not depend on the client come first, each with its own description; from the client lookup
   * on, a failure says only "not recognised" (AssertionRejected.hidden), so answers cannot tell client ids apart.
   */
  private async own(assertion: string, header: JWSHeaderParameters, claims: JwtClaims, clientId: string): Promise<ClientEntity> {
    const accepted = this.signingAlgs();
    if (typeof header.alg !== 'string' || !accepted.includes(header.alg)) {
      throw new AssertionRejected('alg_not_allowed', `client assertions must be signed with one of ${accepted.join(', ')}`);
    }
    const t = this.assertions;
    const audiences = t.acceptTokenEndpointAud ? [this.server.issuer, `${this.server.issuer}/oauth2/token`] : [this.server.issuer];
    const { exp, jti } = checkClientAssertion(claims, {
      clientId,
      audiences,
      maxLifetime: t.maxLifetimeSeconds,
      now: this.clock.nowSeconds(),
      skew: t.clockSkewSeconds,
    });
    const client = await this.clientNamed(clientId);
    const method = client.tokenEndpointAuthMethod;
    const hmac = method === 'client_secret_jwt' && this.assertions.clientSecretJwtEnabled;
    if (method !== 'private_key_jwt' && !hmac) {
      throw new AssertionRejected('method_mismatch', `the client is registered for ${method}, not a JWT assertion`);
    }
    const allowed: readonly string[] = hmac ? [HMAC_ALG] : ASYMMETRIC_ALGS;
    if (!allowed.includes(header.alg)) {
      throw new AssertionRejected('method_mismatch', `${method} assertions must be signed with ${allowed.join(', ')}, not ${header.alg}`);
    }
    if (!hmac && client.jwks === null && client.jwksUri === null) {
      throw new AssertionRejected('unknown_kid', 'the client has no keys of its own registered (only federated credentials)');
    }
    await this.verify(clientId, assertion, allowed, hmac ? { keys: this.secretsOf(client) } : await this.clientKeys(client));
    await this.consume(clientId, jti, exp);
    return client;
  }

  private async federated(
    assertion: string,
    header: JWSHeaderParameters,
    claims: JwtClaims,
    issuer: TrustedIssuerEntity,
    bodyClientId: string | undefined,
  ): Promise<ClientEntity> {
    // The token's iss names the platform, not the client: client_id says which client it authenticates.
    if (bodyClientId === undefined)
      throw new InvalidRequest('client_id is required with a token of a trusted issuer (it names the client)');
    if (typeof header.alg !== 'string' || !issuer.signingAlgValues.includes(header.alg)) {
      throw new AssertionRejected('alg_not_allowed', `tokens of this issuer must be signed with ${issuer.signingAlgValues.join(', ')}`);
    }
    // The issuer's signature first (it does not depend on the client): only the holder of a token the platform
    // signed learns anything from the client-specific checks that follow.
    await this.verify(bodyClientId, assertion, issuer.signingAlgValues, await this.issuerKeys(issuer));
    const client = await this.clientNamed(bodyClientId);
    if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw new AssertionRejected('method_mismatch', `the client is registered for ${client.tokenEndpointAuthMethod}, not a JWT assertion`);
    }
    if (!client.federatedCredentials.some((c) => c.issuer === issuer.issuer)) {
      throw new AssertionRejected('untrusted_issuer', 'the client has no federated credential for this issuer');
    }
    const { exp, jti } = checkFederatedAssertion(claims, client.federatedCredentials, {
      issuer: issuer.issuer,
      defaultAudience: this.server.issuer,
      maxLifetime: issuer.maxAssertionLifetime,
      requireJti: issuer.replayProtection,
      now: this.clock.nowSeconds(),
      skew: this.assertions.clockSkewSeconds,
    });
    if (issuer.replayProtection && jti !== undefined) await this.consume(issuer.issuer, jti, exp);
    return client;
  }

  private async clientNamed(clientId: string): Promise<ClientEntity> {
    const client = await this.clients.find(clientId);
    if (!client) throw new AssertionRejected('unknown_client', 'no such client');
    if (!client.enabled) throw new AssertionRejected('client_disabled', 'the client is disabled');
    return client;
  }

  private secretsOf(client: ClientEntity): Uint8Array[] {
    const { secrets, problems } = this.secretStore.openSecrets(client, this.clock.now());
    if (problems.length > 0) this.reportUnopenable(client, problems);
    if (secrets.length === 0) {
      // An operator's key configuration, not the client's request, and not a fault that a retry mends: the client
      // cannot authenticate (invalid_client), and the error log says what to do.
      if (problems.length > 0) throw new AssertionRejected('secret_unavailable', 'the client has no usable secret for client_secret_jwt');
      throw new AssertionRejected('keys_unavailable', 'the client has no secret for client_secret_jwt');
    }
    return secrets.map((s) => new TextEncoder().encode(s));
  }

  private reportUnopenable(client: ClientEntity, problems: string[]): void {
    const version = `${client.clientId}@${client.updatedAt.getTime()}`;
    if (this.reported.has(version)) return;
    this.reported.set(version, true);
    this.logger.error(
      `client ${client.clientId}: a client_secret_jwt secret cannot be opened (${problems.join('; ')}); put the ` +
        'key-encryption key it was sealed with back into KEY_ENCRYPTION_KEYS and run keys reencrypt, or rotate the secret',
    );
  }

  private async clientKeys(client: ClientEntity): Promise<KeySource> {
    if (client.jwks) {
      const version = client.updatedAt.getTime();
      const known = this.localKeys.get(client.clientId);
      if (known && known.version === version) return { keys: known.keys };
      let keys: KeySet;
      try {
        keys = createLocalJWKSet(client.jwks);
      } catch (err) {
        throw new AssertionRejected('bad_signature', `the registered key set cannot be used: ${(err as Error).message}`);
      }
      this.localKeys.set(client.clientId, { version, keys });
      return { keys };
    }
    const uri = client.jwksUri as string;
    return { keys: await this.remoteKeys(uri, false), refetch: () => this.remote.refetchForUnknownKid(uri, false) };
  }

  private async issuerKeys(issuer: TrustedIssuerEntity): Promise<KeySource> {
    const priv = issuer.allowPrivateNetwork;
    let uri: string;
    try {
      uri = issuer.jwksUri ?? (await this.remote.discoverJwksUri(issuer.issuer, priv));
    } catch (err) {
      if (err instanceof KeysUnavailable) throw new AssertionRejected('keys_unavailable', "the issuer's keys cannot be fetched right now");
      throw err;
    }
    return { keys: await this.remoteKeys(uri, priv), refetch: () => this.remote.refetchForUnknownKid(uri, priv) };
  }

  private async remoteKeys(uri: string, allowPrivateNetwork: boolean): Promise<KeySet> {
    try {
      return await this.remote.keys(uri, allowPrivateNetwork);
    } catch (err) {
      if (err instanceof KeysUnavailable) throw new AssertionRejected('keys_unavailable', 'the signing keys cannot be fetched right now');
      throw err;
    }
  }

  /**
   * The signature, with one refetch of a remote key set when the kid is unknown (JWKS_REFETCH_INTERVAL). Every
   * failure, whatever the key or library threw, is a refusal spent from the client id's VerificationBudget.
   */
  private async verify(clientId: string, assertion: string, algorithms: readonly string[], source: KeySource): Promise<void> {
    try {
      try {
        await verifyWith(assertion, algorithms, source.keys);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey) || !source.refetch) throw err;
        const fresh = await source.refetch();
        if (!fresh) throw err;
        await verifyWith(assertion, algorithms, fresh);
      }
    } catch (err) {
      this.budget.failed(clientId);
      rejectionOf(err);
    }
  }

  private async consume(issuer: string, jti: string, exp: number): Promise<void> {
    // Kept past exp by the clock skew, during which the assertion would still be accepted.
    if (!(await this.usedIds.consume(issuer, jti, exp + this.assertions.clockSkewSeconds))) {
      throw new AssertionRejected('replayed', 'this assertion (jti) was used before; sign a new one for each request');
    }
  }
}

async function verifyWith(assertion: string, algorithms: readonly string[], keys: KeySet | Uint8Array[]): Promise<void> {
  const options = { algorithms: [...algorithms] };
  if (Array.isArray(keys)) {
    // The current secret, then the previous one during a rotation's grace.
    for (const [i, secret] of keys.entries()) {
      try {
        await compactVerify(assertion, secret, options);
        return;
      } catch (err) {
        if (i === keys.length - 1 || !(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
  try {
    await compactVerify(assertion, keys, options);
  } catch (err) {
    // One verification per assertion: trying each key that fits a header without kid would multiply the cost.
    if (err instanceof errors.JWKSMultipleMatchingKeys) {
      throw new AssertionRejected(
        'kid_required',
        'the assertion must name its key in the kid header: more than one registered key fits its alg',
      );
    }
    throw err;
  }
}

/** Any failure to verify as a refusal: a key the library cannot import is the key owner's problem, never a 5xx. */
function rejectionOf(err: unknown): never {
  if (err instanceof AssertionRejected) throw err;
  if (err instanceof errors.JWKSNoMatchingKey)
    throw new AssertionRejected('unknown_kid', 'no registered key matches the kid and alg of the assertion');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    throw new AssertionRejected('bad_signature', 'the signature does not verify with the registered keys');
  throw new AssertionRejected('bad_signature', `the key or the signature cannot be used: ${(err as Error)?.message ?? String(err)}`);
}

function decode(assertion: string): { header: JWSHeaderParameters; claims: JwtClaims } {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw new AssertionRejected('malformed', 'the assertion is too long');
  try {
    const header = decodeProtectedHeader(assertion) as JWSHeaderParameters;
    if (assertion.split('.').length !== 3) throw new Error('not a JWS');
    return { header, claims: decodeJwt(assertion) };
  } catch {
    throw new AssertionRejected('malformed', 'client_assertion is not a signed JWT (JWS compact serialization)');
  }
}
