import type { AppConfig } from '@app/config';
import { PLAYGROUND_CLIENT } from './playground-client';

/** A change the configured admin client refuses, so the API and the CLI cannot undo the operator's configuration. */
export type AdminClientChange =
  | { kind: 'disable' }
  | { kind: 'delete' }
  | { kind: 'rotate' }
  /** The new scopes and audiences, when the change sets them. */
  | { kind: 'update'; scopes?: string[]; audiences?: string[]; authMethod?: string };

/**
 * In production the playground client (its secret is published in the quick start) cannot be enabled through
 * the admin API or the CLI: a production start refuses to run while it works (refuseWellKnownSecret), so enabling
 * it would only surface at the next restart, as an outage. Returns the reason, or undefined when allowed.
 */
export function playgroundClientConflict(
  config: Pick<AppConfig, 'production'>,
  clientId: string,
  enabled: boolean | undefined,
): string | undefined {
  if (!config.production || enabled !== true || clientId !== PLAYGROUND_CLIENT.clientId) return undefined;
  return `client "${clientId}" is the playground client (its secret is published in the quick start) and cannot be enabled in production: register a client under another id`;
}

/**
 * The configured admin client (ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET) is defined by the configuration: the
 * admin API and the CLI must not disable, delete or rotate it, nor take away its admin scope or audience,
 * because the next start would have to silently undo that (or lock the operator out). Returns the reason a
 * change is refused, or undefined when it is allowed.
 */
export function adminClientConflict(
  config: Pick<AppConfig, 'admin' | 'production'>,
  clientId: string,
  change: AdminClientChange,
): string | undefined {
  if (config.admin.clientId === undefined || clientId !== config.admin.clientId) return undefined;
  const who = `client "${clientId}" is the configured admin client (ADMIN_CLIENT_ID)`;
  switch (change.kind) {
    case 'disable':
      return `${who} and cannot be disabled: unset ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET (or name another client) and restart first`;
    case 'delete':
      return `${who} and cannot be deleted: unset ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET (or name another client) and restart first`;
    case 'rotate':
      return `${who}: its secret follows ADMIN_CLIENT_SECRET; change that variable and restart to rotate it`;
    case 'update':
      if (change.scopes && !change.scopes.includes(config.admin.scope))
        return `${who} and must keep the admin scope "${config.admin.scope}"`;
      if (change.audiences && !change.audiences.includes(config.admin.audience))
        return `${who} and must keep the admin audience "${config.admin.audience}"`;
      // Its secret follows ADMIN_CLIENT_SECRET, which the secret-less methods would drop.
      if (change.authMethod && !['client_secret_basic', 'client_secret_post'].includes(change.authMethod))
        return `${who} and authenticates with ADMIN_CLIENT_SECRET: it cannot use ${change.authMethod}`;
      return undefined;
  }
}
