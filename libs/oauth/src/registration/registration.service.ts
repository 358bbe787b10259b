import {
  ClientAdminService,
  ClientIdTakenError,
  ClientMetadataError,
  ClientNotFoundError,
  type ClientView,
  ProtectedClientError,
} from '@app/clients';
import { RegistrationConfig, ServerConfig, TokenConfig } from '@app/config';
import { withAuditContext } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { BearerRequired, InsufficientScope, InvalidToken } from '../errors/oauth-errors';
import { AccessTokenVerifier } from '../token/access-token.verifier';
import { RegistrationAccessTokens } from './registration-access-tokens';
import { InvalidClientMetadataError, InvalidSoftwareStatement } from './registration-errors';
import { readMetadata, registrationResponse, withinPolicy } from './registration-metadata';
import { SoftwareStatements } from './software-statements';

const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592). A registration goes through
 * ClientAdminService like an admin's, so it is validated, audited (`via: registration`) and published alike.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly clients: ClientAdminService,
    private readonly verifier: AccessTokenVerifier,
    private readonly tokens: RegistrationAccessTokens,
    private readonly statements: SoftwareStatements,
    private readonly registration: RegistrationConfig,
    private readonly server: ServerConfig,
    private readonly lifetimes: TokenConfig,
  ) {}

  /** RFC 7591 §3: authorised by an initial access token (or open registration); answers §3.2.1. */
  async register(body: Record<string, unknown>, authorization: string | undefined): Promise<Record<string, unknown>> {
    const who = await this.initialAccess(authorization);
    const { client, statement } = await this.metadataOf(body);
    const created = await withAuditContext({ via: 'registration', tokenId: who.tokenId }, async () => {
      try {
        return await this.clients.create(client, who.actor);
      } catch (err) {
        throw metadataProblem(err, this.registration.audience);
      }
    });
    const accessToken = await this.tokens.issue(created.client.client_id, statement);
    return this.response(created.client, accessToken, statement, created.secret);
  }

  /** RFC 7592 §2.1 */
  async read(clientId: string, authorization: string | undefined): Promise<Record<string, unknown>> {
    const { token, statement, client } = await this.registrationAccess(clientId, authorization);
    return this.response(client, token, statement);
  }

  /** RFC 7592 §2.2: the body replaces the whole registration; a new registration access token replaces the old. */
  async update(clientId: string, body: Record<string, unknown>, authorization: string | undefined): Promise<Record<string, unknown>> {
    await this.registrationAccess(clientId, authorization);
    if (body.client_id !== clientId) throw new InvalidClientMetadataError('client_id must be the client_id of this registration');
    const { client, statement } = await this.metadataOf(body);
    const updated = await withAuditContext({ via: 'registration' }, async () => {
      try {
        return await this.clients.update(clientId, client, registrant(clientId));
      } catch (err) {
        throw metadataProblem(err, this.uri(clientId));
      }
    });
    const accessToken = await this.tokens.issue(clientId, statement);
    const { client_secret: secret, ...view } = updated;
    return this.response(view, accessToken, statement, secret);
  }

  /** RFC 7592 §2.3: the client is deleted (its id reserved while its tokens live), and so is the token. */
  async remove(clientId: string, authorization: string | undefined): Promise<void> {
    await this.registrationAccess(clientId, authorization);
    await withAuditContext({ via: 'registration' }, async () => {
      try {
        await this.clients.delete(clientId, registrant(clientId));
      } catch (err) {
        throw metadataProblem(err, this.uri(clientId));
      }
    });
    await this.tokens.remove(clientId);
  }

  private async metadataOf(body: Record<string, unknown>) {
    const requested = readMetadata(body);
    const statement = body.software_statement;
    if (statement === undefined)
      return { client: withinPolicy(requested, { registration: this.registration, tokens: this.lifetimes }), statement: null };
    if (typeof statement !== 'string') throw new InvalidClientMetadataError('software_statement must be a JWT string');
    const claims = await this.statements.verify(statement);
    // §2.3: the statement's values take precedence over the same fields sent in the request.
    const asserted = readMetadata(claims, (m) => new InvalidSoftwareStatement(`software_statement claim ${m}`));
    return { client: withinPolicy({ ...requested, ...asserted }, { registration: this.registration, tokens: this.lifetimes }), statement };
  }

  private async initialAccess(authorization: string | undefined): Promise<{ actor: string; tokenId?: string }> {
    const realm = this.registration.audience;
    if (authorization === undefined || authorization === '') {
      if (this.registration.open) return { actor: 'registration:open' };
      throw new BearerRequired(realm);
    }
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw new InvalidToken(realm, 'Authorization header is not a Bearer token');
    const verified = await this.verifier.verifyWithClient(token, { audience: realm });
    if (!verified) throw new InvalidToken(realm, 'initial access token failed verification');
    const scope = this.registration.scope;
    const scopes = Array.isArray(verified.claims.scope) ? verified.claims.scope : String(verified.claims.scope ?? '').split(' ');
    if (!scopes.includes(scope) || !verified.client.scopes.includes(scope)) throw new InsufficientScope(realm, scope);
    return { actor: verified.claims.client_id, tokenId: verified.claims.jti };
  }

  /** RFC 7592 §3: a missing, wrong or stale registration access token, or a client gone, is 401 invalid_token. */
  private async registrationAccess(clientId: string, authorization: string | undefined) {
    const realm = this.uri(clientId);
    if (authorization === undefined || authorization === '') throw new BearerRequired(realm);
    const token = BEARER.exec(authorization)?.[1];
    const registration = token === undefined ? undefined : await this.tokens.check(clientId, token);
    if (!registration || token === undefined) throw new InvalidToken(realm, 'not the registration access token of this client');
    return { token, statement: registration.softwareStatement, client: await this.currentClient(clientId) };
  }

  private async currentClient(clientId: string): Promise<ClientView> {
    try {
      return await this.clients.get(clientId);
    } catch (err) {
      if (!(err instanceof ClientNotFoundError)) throw err;
      // §2.1: deleted by other means: the token goes too.
      await this.tokens.remove(clientId);
      throw new InvalidToken(this.uri(clientId), 'the client of this registration no longer exists');
    }
  }

  private response(client: ClientView, accessToken: string, statement: string | null, secret?: string) {
    return registrationResponse(client, { secret, accessToken, uri: this.uri(client.client_id), softwareStatement: statement });
  }

  private uri(clientId: string): string {
    return `${this.server.issuer}/oauth2/register/${encodeURIComponent(clientId)}`;
  }
}

/** Who made an RFC 7592 change, for the audit trail: the holder of the client's registration access token. */
const registrant = (clientId: string): string => `registration:${clientId}`;

/** Metadata the client services refuse (a private key in jwks, a jwks_uri over http) is the registrant's mistake. */
function metadataProblem(err: unknown, realm: string): unknown {
  if (err instanceof ClientMetadataError || err instanceof ClientIdTakenError) return new InvalidClientMetadataError(err.message);
  // Deleted between the token check and the change.
  if (err instanceof ClientNotFoundError) return new InvalidToken(realm, err.message);
  // The configured admin client is never a registered one; refused like any other change it cannot make.
  if (err instanceof ProtectedClientError) return new InvalidClientMetadataError(err.message);
  return err;
}
