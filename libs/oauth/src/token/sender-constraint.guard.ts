import { CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { oauthState } from '../client-auth';
import { ClientCertificates } from '../client-auth/mtls/client-certificate';
import { certificateThumbprint } from '../client-auth/mtls/certificate-checks';
import { InvalidRequest } from '../errors';
import type { Confirmation } from '../dpop/confirmation';
import { DpopProofChecker } from '../dpop/dpop-proof.checker';
import { InvalidDpopProof } from '../dpop/dpop-errors';

const BINDING = Symbol('tokenBinding');

/**
 * The token endpoint's sender-constraint step, after client authentication (BasicAuthGuard) and before any grant
 * logic: decides what the token will be bound to.
 *   - a DPoP proof (RFC 9449 §5): checked, and the token is bound to its key (`cnf.jkt`); required for clients
 *     registered with dpop_bound_access_tokens (§5.2);
 *   - else, for clients registered with tls_client_certificate_bound_access_tokens (RFC 8705 §3), the client
 *     certificate of the request (`cnf.x5t#S256`), which such a client must present;
 *   - else nothing: a bearer token, as before.
 * A client moves from bearer to DPoP by sending proofs; it needs no new client id, and the switch only makes
 * DPoP mandatory. With DPOP_NONCE_REQUIRED, every answer carries the current nonce (§8).
 */
@Injectable()
export class SenderConstraintGuard implements CanActivate {
  constructor(
    private readonly dpop: DpopProofChecker,
    private readonly certificates: ClientCertificates,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const state = oauthState(req);
    if (!state) throw new Error('SenderConstraintGuard runs after BasicAuthGuard');
    // A grant taken without client authentication (the JWT bearer grant) issues bearer tokens.
    const client = state.client;
    if (!client) return true;
    if (this.dpop.nonceRequired) context.switchToHttp().getResponse<FastifyReply>().header('DPoP-Nonce', this.dpop.currentNonce());
    const proofs = dpopHeaders(req);
    let binding: Confirmation | undefined;
    if (proofs.length > 0) {
      binding = await this.dpop.check(req.method, proofs);
    } else if (client.dpopBoundAccessTokens) {
      throw new InvalidDpopProof('This client must send a DPoP proof (dpop_bound_access_tokens)');
    } else if (client.tlsClientCertificateBoundAccessTokens) {
      const cert = this.certificates.of(req);
      if (!cert) throw new InvalidRequest('This client must present a TLS client certificate (tls_client_certificate_bound_access_tokens)');
      binding = { 'x5t#S256': certificateThumbprint(cert) };
    }
    (req as unknown as Record<symbol, Confirmation | undefined>)[BINDING] = binding;
    return true;
  }
}

/** Every `DPoP` header line of the request: Node joins repeated ones, so they are counted from the raw headers. */
function dpopHeaders(req: FastifyRequest): string[] {
  if (req.headers.dpop === undefined) return [];
  const raw = req.raw.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'dpop') out.push(raw[i + 1]);
  return out;
}

/** What SenderConstraintGuard bound the token to, or undefined for a bearer token. */
export const TokenBinding = createParamDecorator((_: unknown, ctx: ExecutionContext): Confirmation | undefined => {
  return (ctx.switchToHttp().getRequest<FastifyRequest>() as unknown as Record<symbol, Confirmation | undefined>)[BINDING];
});
