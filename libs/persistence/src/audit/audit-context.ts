import { AsyncLocalStorage } from 'node:async_hooks';

/** The route through which a change was made; recorded as `via` in every audit row written while it runs. */
export type AuditVia = 'admin_api' | 'console' | 'cli' | 'apply' | 'registration';

export interface AuditContext {
  via: AuditVia;
  /** The `jti` of the token that authorised the change (admin token, initial or registration access token id). */
  tokenId?: string;
}

const storage = new AsyncLocalStorage<AuditContext>();

/**
 * Runs `work` with `context` as the route of every audit row it writes, however deep the service call that
 * writes it: the services take an actor, and need not take the route too.
 */
export function withAuditContext<T>(context: AuditContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentAuditContext(): AuditContext | undefined {
  return storage.getStore();
}
