import { type ClientEntity, ClientsService } from '@app/clients';
import { AppConfig } from '@app/config';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { InvalidClient, InvalidRequest } from '../errors';
import { ClientAuthThrottle } from '../throttle/client-auth-throttle';
import { escapeForLog, SecurityEvents } from '../throttle/security-events';
import { AssertionRejected } from './assertion/assertion-rejected';
import { ClientAssertionAuthenticator, JWT_BEARER_ASSERTION_TYPE } from './assertion/client-assertion.authenticator';
import { parseBasicAuthorization } from './basic-credentials';
import { clientAddress } from './client-address';
import { MtlsClientAuthenticator, MtlsRejected } from './mtls/mtls.authenticator';
import { type OAuthParams, parseOAuthParams, setOAuthState } from './oauth-request';
import { QUERY_PARAMS_KEY } from './query-params';

/**
 * Client authentication (RFC 6749 §2.3) for the token, introspection and revocation endpoints, as its own step
 * before any endpoint logic. The design names it BasicAuthGuard; it authenticates by every method a client can
 * register, not only HTTP Basic, and parses the endpoint's parameters. Its steps, in order:
 *   1. parse the parameters once: the form body, and from the query string only those the route names with
 *      @ParamsFromQuery;
 *   2. pick the one authentication method the request uses: a JWT assertion (client_assertion, RFC 7521 §4.2),
 *      `client_secret_basic` (Authorization: Basic) or `client_secret_post` (client_id and client_secret in the
 *      body), or, with client_id alone, the TLS client certificate (RFC 8705 §2); two at once is invalid_request;
 *   3. authenticate the client by that method (assertions: ClientAssertionAuthenticator; secrets: ClientsService),
 *      passing the throttle first where it costs hashing or a failed assertion (ClientAuthThrottle: 429 after
 *      repeated failures per client id and source address);
 *   4. require the method the client registered (token_endpoint_auth_method, RFC 7591 §2);
 *   5. store the client and the parameters on the request for the handler (oauthState).
 * A request without client_assertion takes exactly the secret path it took before assertions existed.
 */
@Injectable()
export class BasicAuthGuard implements CanActivate {
  /** @ParamsFromQuery names per route handler, read once: metadata does not change after start-up. */
  private readonly queryParams = new WeakMap<object, ReadonlySet<string>>();

  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly throttle: ClientAuthThrottle,
    private readonly assertions: ClientAssertionAuthenticator,
    private readonly events: SecurityEvents,
    private readonly mtls: MtlsClientAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const params = parseOAuthParams(req, this.queryParamsOf(context));
    if (params.single.has('client_assertion') || params.single.has('client_assertion_type')) {
      setOAuthState(req, { params, client: await this.byAssertion(req, params) });
      return true;
    }
    const realm = this.config.issuer;
    const header = req.headers.authorization;
    const bodyId = params.single.get('client_id');
    const bodySecret = params.single.get('client_secret');

    let method: 'client_secret_basic' | 'client_secret_post';
    let clientId: string;
    let secret: string;
    if (header !== undefined) {
      if (bodySecret !== undefined) {
        throw new InvalidRequest('Use exactly one client authentication method (RFC 6749 §2.3)');
      }
      const creds = parseBasicAuthorization(header);
      if (!creds) throw new InvalidClient(realm, 'malformed or non-Basic Authorization header');
      if (bodyId !== undefined && bodyId !== creds.clientId) {
        throw new InvalidRequest('client_id in the body does not match the authenticated client');
      }
      method = 'client_secret_basic';
      ({ clientId, clientSecret: secret } = creds);
    } else if (bodySecret !== undefined) {
      if (bodyId === undefined) throw new InvalidRequest('client_secret without client_id');
      method = 'client_secret_post';
      clientId = bodyId;
      secret = bodySecret;
    } else if (bodyId !== undefined) {
      // Sender-constrained tokens: only client_id in the body, so mutual TLS (RFC 8705 §2) is the method.
      setOAuthState(req, { params, client: await this.byCertificate(req, bodyId) });
      return true;
    } else {
      throw new InvalidClient(realm, 'no client authentication');
    }

    // Throttle step (issue 8 §1): counts and refuses only what needs hashing, never a secret proven before.
    const attempt = this.throttle.attempt(clientId, clientAddress(req));
    const client = await this.clients.authenticate(clientId, secret, attempt.admit).catch(attempt.shedIfBusy);
    attempt.settle(client !== null);
    if (!client) throw new InvalidClient(realm, `authentication failed for client "${escapeForLog(clientId)}"`);
    if (client.tokenEndpointAuthMethod !== method) {
      throw new InvalidClient(
        realm,
        `client "${escapeForLog(clientId)}" is registered for ${client.tokenEndpointAuthMethod}, used ${method}`,
      );
    }
    setOAuthState(req, { params, client });
    return true;
  }

  /** RFC 7521 §4.2 / RFC 7523 §2.2: client_assertion_type and client_assertion, and no other credentials. */
  private async byAssertion(req: FastifyRequest, params: OAuthParams): Promise<ClientEntity> {
    const type = params.single.get('client_assertion_type');
    const assertion = params.single.get('client_assertion');
    const bodyId = params.single.get('client_id');
    if (req.headers.authorization !== undefined || params.single.has('client_secret')) {
      throw new InvalidRequest('Use exactly one client authentication method (RFC 6749 §2.3)');
    }
    if (type === undefined) throw new InvalidRequest('client_assertion without client_assertion_type (RFC 7521 §4.2)');
    if (assertion === undefined) throw new InvalidRequest('client_assertion_type without client_assertion (RFC 7521 §4.2)');
    if (type !== JWT_BEARER_ASSERTION_TYPE) {
      throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} (RFC 7523 §2.2)`);
    }
    const named = bodyId ?? issuerOf(assertion);
    const source = clientAddress(req);
    const attempt = this.throttle.assertionAttempt(named, source);
    try {
      return await this.assertions.authenticate(assertion, bodyId);
    } catch (err) {
      if (!(err instanceof AssertionRejected)) throw err;
      attempt.failed();
      // The assertion itself is never logged: it may still be valid for its real audience.
      this.events.record('client_assertion_rejected', source, named, `reason=${err.reason}`);
      throw new InvalidClient(this.config.issuer, `assertion rejected: ${err.reason}`, `Client authentication failed: ${err.description}`);
    }
  }

  /** Sender-constrained tokens: RFC 8705 §2 tls_client_auth / self_signed_tls_client_auth; failures count as assertion failures do. */
  private async byCertificate(req: FastifyRequest, clientId: string): Promise<ClientEntity> {
    const source = clientAddress(req);
    const attempt = this.throttle.assertionAttempt(clientId, source);
    try {
      return await this.mtls.authenticate(req, clientId);
    } catch (err) {
      if (!(err instanceof MtlsRejected)) throw err;
      attempt.failed();
      this.events.record('client_auth_failed', source, clientId, `method=mtls reason=${err.reason}`);
      throw new InvalidClient(this.config.issuer, `mtls: ${err.reason}`);
    }
  }

  private queryParamsOf(context: ExecutionContext): ReadonlySet<string> {
    const handler = context.getHandler();
    let names = this.queryParams.get(handler);
    if (!names) {
      const listed = this.reflector.getAllAndOverride<string[] | undefined>(QUERY_PARAMS_KEY, [handler, context.getClass()]);
      names = new Set(listed ?? []);
      this.queryParams.set(handler, names);
    }
    return names;
  }
}

/** The unverified `iss` of an assertion, only to name the caller in the security log. */
function issuerOf(assertion: string): string {
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' ? iss : '';
  } catch {
    return '';
  }
}
