import { AppConfig } from '@app/config';
import { KeyEncrypter } from '@app/keys';
import { LOCK_CLIENT_OR_ISSUER_NAME, lockName } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ClientMetadataError, type FieldProblem } from './client-admin.errors';
import { tokenClaimsProblems, tokenExchangeProblems } from './client-claims';
import { federatedCredentialProblems, jwksProblems, jwksUriProblems } from './client-public-key-rules';
import type { ClientPatch } from './client-metadata';
import type { ClientEntity, TokenEndpointAuthMethod } from './client.entity';
import { SecretStorage } from './secrets/secret-storage';
import type { SecretOrigin } from './secrets/stored-secret';
import { SECRETLESS_METHODS } from './mtls-client-rules';

/** Methods whose client holds a secret that the server can check by hash. */
export const HASHED_SECRET_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** Additional authenticated data of a sealed client_secret_jwt secret: it cannot be moved to another client. */
export function sealedSecretAad(clientId: string): string {
  return `client_secret_jwt:${clientId}`;
}

/**
 * What a change of method does to the secret: only a hash exists for the secret methods, so switching to
 * client_secret_jwt (which needs the secret itself) or from private_key_jwt (which has none) issues a new one;
 * private_key_jwt drops the secret; leaving client_secret_jwt for a hashed method keeps the secret, unsealed.
 */
export function secretForMethodChange(from: TokenEndpointAuthMethod, to: TokenEndpointAuthMethod): 'keep' | 'new' | 'none' | 'unseal' {
  if (from === to) return 'keep';
  // Sender-constrained tokens: the mTLS methods have no secret either (RFC 8705 §2).
  if (SECRETLESS_METHODS.includes(to)) return 'none';
  if (to === 'client_secret_jwt' || SECRETLESS_METHODS.includes(from)) return 'new';
  return from === 'client_secret_jwt' ? 'unseal' : 'keep';
}

/**
 * How a client's credentials are stored and checked on registration and change: secrets hashed, the
 * client_secret_jwt secret also sealed under the key-encryption key, keys and federated credentials validated.
 */
@Injectable()
export class ClientCredentials {
  constructor(
    private readonly secrets: SecretStorage,
    private readonly encrypter: KeyEncrypter,
    private readonly config: AppConfig,
  ) {}

  /**
   * The stored form of a secret (a fast digest or a slow hash, by its origin: see stored-secret.ts), and for
   * client_secret_jwt also the secret sealed under the KEK.
   */
  async secretColumns(
    clientId: string,
    method: TokenEndpointAuthMethod,
    secret: string,
    origin: SecretOrigin,
  ): Promise<{ secretHash: string; sealedSecret: string | null }> {
    const secretHash = await this.secrets.store(secret, origin);
    return { secretHash, sealedSecret: method === 'client_secret_jwt' ? this.encrypter.seal(secret, sealedSecretAad(clientId)) : null };
  }

  /**
   * The secrets of a client_secret_jwt client to check an HMAC with: the current one, then the previous one while
   * its rotation grace lasts (`nowMs` before previousSecretExpiresAt). A sealed secret that cannot be opened (sealed
   * under a key-encryption key no longer in KEY_ENCRYPTION_KEYS, or damaged) is left out, its reason in `problems`.
   */
  openSecrets(client: ClientEntity, nowMs: number): { secrets: string[]; problems: string[] } {
    const aad = sealedSecretAad(client.clientId);
    const inGrace = client.previousSealedSecret !== null && (client.previousSecretExpiresAt?.getTime() ?? 0) > nowMs;
    const secrets: string[] = [];
    const problems: string[] = [];
    for (const sealed of [client.sealedSecret, inGrace ? client.previousSealedSecret : null]) {
      if (sealed === null) continue;
      try {
        secrets.push(this.encrypter.open(sealed, aad));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return { secrets, problems };
  }

  /** The sealed secret under the current key-encryption key, or undefined when it is sealed under it already. */
  reseal(clientId: string, sealed: string): string | undefined {
    if (this.encrypter.isCurrent(sealed)) return undefined;
    return this.encrypter.seal(this.encrypter.open(sealed, sealedSecretAad(clientId)), sealedSecretAad(clientId));
  }

  assertMethodEnabled(method: TokenEndpointAuthMethod): void {
    if (method === 'client_secret_jwt' && !this.config.assertions.clientSecretJwtEnabled) {
      throw new ClientMetadataError([
        { field: 'token_endpoint_auth_method', message: 'client_secret_jwt is not enabled on this server (CLIENT_SECRET_JWT_ENABLED)' },
      ]);
    }
  }

  /** The shape of keys and federated credentials, as far as it can be checked without the database. */
  shapeProblems(m: ClientPatch): FieldProblem[] {
    return [
      ...(m.jwks !== undefined && m.jwks !== null ? jwksProblems(m.jwks) : []),
      ...(m.jwks_uri !== undefined && m.jwks_uri !== null ? jwksUriProblems(m.jwks_uri, this.config.production) : []),
      ...(m.federated_credentials !== undefined ? federatedCredentialProblems(m.federated_credentials) : []),
      ...(m.token_claims !== undefined && m.token_claims !== null ? tokenClaimsProblems(m.token_claims, this.config.claims.maxBytes) : []),
      ...(m.token_exchange !== undefined && m.token_exchange !== null ? tokenExchangeProblems(m.token_exchange) : []),
      ...(m.token_hook === true && this.config.claims.hook === undefined
        ? [{ field: 'token_hook', message: 'no token hook is configured on this server (TOKEN_HOOK_URL)' }]
        : []),
    ];
  }

  throwIfAny(...lists: FieldProblem[][]): void {
    const all = lists.flat();
    if (all.length) throw new ClientMetadataError(all);
  }

  /**
   * Each federated credential must name a trusted issuer, and no client id may equal a trusted issuer, so an
   * assertion's `iss` always says unambiguously which keys check it.
   */
  async checkFederation(m: EntityManager, clientId: string, creds: ClientEntity['federatedCredentials'] | undefined): Promise<void> {
    // A trusted issuer of this name created at the same time waits for this transaction, and the reverse.
    await lockName(m, LOCK_CLIENT_OR_ISSUER_NAME, clientId);
    const named = [...new Set((creds ?? []).map((c) => c.issuer))];
    const rows: { issuer: string }[] = await m.query('SELECT issuer FROM trusted_issuers WHERE issuer = ANY($1) OR issuer = $2', [
      named,
      clientId,
    ]);
    const trusted = new Set(rows.map((r) => r.issuer));
    if (trusted.has(clientId)) {
      throw new ClientMetadataError([{ field: 'client_id', message: 'client_id must not equal a trusted issuer identifier' }]);
    }
    this.throwIfAny(
      (creds ?? []).flatMap((c, i) =>
        trusted.has(c.issuer) ? [] : [{ field: `federated_credentials.${i}.issuer`, message: `"${c.issuer}" is not a trusted issuer` }],
      ),
    );
  }
}
