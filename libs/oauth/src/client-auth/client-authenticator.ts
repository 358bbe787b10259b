import { type ClientEntity, ClientsService, type SecretCheckOptions } from '@app/clients';
import { ServerConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidClient } from '../errors';
import { escapeForLog } from '../throttle/security-events';
import { AssertionRejected } from './assertion/assertion-rejected';
import { ClientAssertionAuthenticator } from './assertion/client-assertion.authenticator';
import type { PresentedCredentials } from './extract';
import { MtlsClientAuthenticator, MtlsRejected } from './mtls/mtls.authenticator';

/**
 * Checks presented credentials by their method and returns the client, or throws InvalidClient carrying the
 * private reason (logged, never sent). Secrets: ClientsService; assertions: ClientAssertionAuthenticator; TLS
 * client certificates: MtlsClientAuthenticator (which reads the certificate from `req`). A proof must also be
 * presented by the method its client registered (token_endpoint_auth_method, RFC 7591 §2).
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientsService,
    private readonly assertions: ClientAssertionAuthenticator,
    private readonly mtls: MtlsClientAuthenticator,
    private readonly server: ServerConfig,
  ) {}

  async authenticate(creds: PresentedCredentials, opts: SecretCheckOptions, req: FastifyRequest): Promise<ClientEntity> {
    const realm = this.server.issuer;
    if (creds.proof.kind === 'certificate') {
      try {
        return await this.mtls.authenticate(req, creds.clientId);
      } catch (err) {
        if (!(err instanceof MtlsRejected)) throw err;
        throw new InvalidClient(realm, `mtls: reason=${err.reason}`);
      }
    }
    if (creds.proof.kind === 'assertion') {
      try {
        return await this.assertions.authenticate(creds.proof.assertion, creds.proof.bodyClientId);
      } catch (err) {
        if (!(err instanceof AssertionRejected)) throw err;
        // The assertion itself is never logged: it may still be valid for its real audience.
        throw new InvalidClient(realm, `assertion rejected: reason=${err.reason}`, `Client authentication failed: ${err.description}`);
      }
    }
    const client = await this.clients.authenticate(creds.clientId, creds.proof.secret, opts);
    if (!client) throw new InvalidClient(realm, `authentication failed for client "${escapeForLog(creds.clientId)}"`);
    if (client.tokenEndpointAuthMethod !== creds.method) {
      throw new InvalidClient(
        realm,
        `client "${escapeForLog(creds.clientId)}" is registered for ${client.tokenEndpointAuthMethod}, used ${creds.method}`,
      );
    }
    return client;
  }
}
