import { type ClientEntity, tokenClaimsProblems } from '@app/clients';
import { ClaimsConfig, Clock, HttpConfig, ServerConfig, type TokenHookConfig } from '@app/config';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { AccessDenied, InvalidRequest, TemporarilyUnavailable } from '../errors';
import { CircuitBreaker } from './circuit-breaker';
import { HookCallFailed, HookTransport } from './hook-transport';

/** What the token is about to say, as the hook sees it. */
export interface HookRequest {
  grantType: string;
  clientId: string;
  subject: string;
  scopes: readonly string[];
  audience: string | readonly string[];
  /** The claims beyond RFC 9068's proposed so far (static, mapped, act). */
  claims: Readonly<Record<string, unknown>>;
}

export type HookOutcome = 'allowed' | 'denied' | 'failed' | 'circuit_open';
type HookListener = (outcome: HookOutcome, seconds: number) => void;

/** The header the hook checks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under TOKEN_HOOK_SECRET>`. */
export const HOOK_SIGNATURE_HEADER = 'x-token-hook-signature';

export function hookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * TOKEN_HOOK_URL: before signing a token of a client with `token_hook: true`, POST what the token will say to the
 * operator's hook, which may add claims (the reserved-claim and size rules of token_claims apply) or deny the
 * request (`{"error": "access_denied" | "invalid_request", "error_description": …}`). A hook that fails, times out
 * (TOKEN_HOOK_TIMEOUT_MS), answers anything else, or sits behind an open circuit is handled as TOKEN_HOOK_FAILURE
 * says: deny (503 with Retry-After, an infrastructure fault) or allow (the token without the hook's claims).
 */
@Injectable()
export class TokenHook implements OnApplicationShutdown {
  private readonly logger = new Logger('TokenHook');
  private readonly hook: TokenHookConfig | undefined;
  private readonly transport: HookTransport | undefined;
  private readonly breaker: CircuitBreaker | undefined;
  private listener: HookListener | undefined;

  constructor(
    private readonly limits: ClaimsConfig,
    server: ServerConfig,
    private readonly http: HttpConfig,
    private readonly clock: Clock,
  ) {
    this.hook = limits.hook;
    if (!this.hook) return;
    this.transport = new HookTransport(this.hook.url, {
      production: server.production,
      allowPrivateNetwork: this.hook.allowPrivateNetwork,
    });
    this.breaker = new CircuitBreaker(this.hook.breakerThreshold, this.hook.breakerOpenMs);
  }

  /** Only clients that opted in, and only when a hook is configured: every other client keeps the fast path. */
  appliesTo(client: ClientEntity): boolean {
    return this.transport !== undefined && client.tokenHook;
  }

  /** One listener (metrics) for every call's outcome and duration. */
  observe(listener: HookListener): void {
    this.listener = listener;
  }

  /** The claims to sign: the proposed ones plus the hook's. Throws the hook's denial, or 503 on failure with deny. */
  async claims(req: HookRequest): Promise<Record<string, unknown>> {
    const hook = this.hook as TokenHookConfig;
    const breaker = this.breaker as CircuitBreaker;
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    if (!breaker.allow(this.clock.now())) {
      this.listener?.('circuit_open', 0);
      return this.failed(req, 'circuit open');
    }
    const body = JSON.stringify({
      grant_type: req.grantType,
      client_id: req.clientId,
      sub: req.subject,
      scope: req.scopes.join(' '),
      aud: req.audience,
      claims: req.claims,
    });
    let answer: { claims?: Record<string, unknown>; denial?: { error: string; description: string } };
    try {
      const res = await (this.transport as HookTransport).post(
        body,
        { [HOOK_SIGNATURE_HEADER]: hookSignature(hook.secret, this.clock.nowSeconds(), body) },
        hook.timeoutMs,
      );
      answer = this.parse(res.status, res.text);
    } catch (err) {
      breaker.failure(this.clock.now());
      this.listener?.('failed', seconds());
      const reason = err instanceof HookCallFailed ? err.reason : err instanceof HookAnswerInvalid ? err.message : 'error';
      this.logger.warn(`token hook failed for client ${req.clientId}: ${reason} (TOKEN_HOOK_FAILURE=${hook.failure})`);
      return this.failed(req, reason);
    }
    breaker.success();
    if (answer.denial) {
      this.listener?.('denied', seconds());
      const { error, description } = answer.denial;
      throw error === 'access_denied' ? new AccessDenied(description, 'token hook') : new InvalidRequest(description, 'token hook');
    }
    this.listener?.('allowed', seconds());
    return answer.claims ? { ...req.claims, ...answer.claims } : { ...req.claims };
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  private failed(req: HookRequest, reason: string): Record<string, unknown> {
    if ((this.hook as TokenHookConfig).failure === 'allow') return { ...req.claims };
    throw new TemporarilyUnavailable(this.http.retryAfterSeconds, `token hook: ${reason}`);
  }

  private parse(status: number, text: string): { claims?: Record<string, unknown>; denial?: { error: string; description: string } } {
    if (status !== 200) throw new HookAnswerInvalid(`answered HTTP ${status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HookAnswerInvalid('did not answer JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new HookAnswerInvalid('did not answer a JSON object');
    const o = json as Record<string, unknown>;
    if (o.error !== undefined) {
      if (o.error !== 'access_denied' && o.error !== 'invalid_request') throw new HookAnswerInvalid('answered an unknown error code');
      const description =
        typeof o.error_description === 'string' && o.error_description !== ''
          ? o.error_description.slice(0, 200)
          : 'The token request was denied';
      return { denial: { error: o.error, description } };
    }
    if (o.claims === undefined) return {};
    const problems = tokenClaimsProblems(o.claims, this.limits.maxBytes, 'claims');
    if (problems.length) throw new HookAnswerInvalid(`answered unacceptable claims (${problems.map((p) => p.field).join(', ')})`);
    return { claims: o.claims as Record<string, unknown> };
  }
}

class HookAnswerInvalid extends Error {}
