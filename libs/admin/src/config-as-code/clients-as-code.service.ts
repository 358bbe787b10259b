import { ClientAdminService, type ClientView, type NewClient, TrustedIssuerAdminService, type TrustedIssuerView } from '@app/clients';
import { AdminConfig } from '@app/config';
import { type AuditVia, currentAuditContext, type Page, withAuditContext } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { currentClientValue, planChanges, type PlanOptions } from './config-plan';
import {
  type AppliedChange,
  CLIENT_DEFAULTS,
  CLIENT_FIELDS,
  type CurrentState,
  type DesiredClient,
  type DesiredState,
  type DesiredTrustedIssuer,
  type PlannedChange,
  TRUSTED_ISSUER_DEFAULTS,
  TRUSTED_ISSUER_FIELDS,
} from './desired-state';

const PAGE = 500;

/** A change failed: the ones before it are applied (and reported, secrets included); rerunning finishes the job. */
export class ApplyFailedError extends Error {
  constructor(
    readonly applied: AppliedChange[],
    readonly failed: PlannedChange,
    override readonly cause: unknown,
  ) {
    super(
      `${failed.action} ${failed.kind} "${failed.id}" failed after ${applied.length} change(s): ${(cause as Error)?.message ?? String(cause)}`,
    );
    this.name = 'ApplyFailedError';
  }
}

/**
 * Clients as code: compares a desired-state document with what exists, and applies the difference one change
 * at a time through the same services as the admin API and the CLI, so each change is validated, audited (with
 * `via: apply`) and published to every instance like a hand-made one.
 */
@Injectable()
export class ClientsAsCodeService {
  constructor(
    private readonly clients: ClientAdminService,
    private readonly issuers: TrustedIssuerAdminService,
    private readonly admin: AdminConfig,
  ) {}

  async current(): Promise<CurrentState> {
    return {
      clients: await all((cursor) => this.clients.list(PAGE, cursor)),
      trusted_issuers: await all((cursor) => this.issuers.list(PAGE, cursor)),
    };
  }

  async plan(desired: DesiredState, opts: Omit<PlanOptions, 'protectedClientIds'> = {}): Promise<PlannedChange[]> {
    return planChanges(desired, await this.current(), { ...opts, protectedClientIds: this.protectedIds() });
  }

  /**
   * Plans against the current state and applies each change in order. Stops at the first failure with
   * ApplyFailedError; every change made before it stays made.
   */
  async apply(desired: DesiredState, opts: Omit<PlanOptions, 'protectedClientIds'>, actor: string): Promise<AppliedChange[]> {
    const plan = await this.plan(desired, opts);
    const applied: AppliedChange[] = [];
    const via: AuditVia = 'apply';
    await withAuditContext({ ...currentAuditContext(), via }, async () => {
      for (const change of plan) {
        try {
          applied.push(await this.applyOne(change, actor));
        } catch (err) {
          throw new ApplyFailedError(applied, change, err);
        }
      }
    });
    return applied;
  }

  /**
   * Today's state as a document that applies as a no-op: with `managedBy`, the clients carrying that label (and the
   * label); without, the clients no file manages (a file may not name another file's clients). Trusted issuers all.
   */
  async export(managedBy?: string): Promise<DesiredState> {
    const now = await this.current();
    const clients = now.clients.filter((c) => c.managed_by === managedBy);
    return {
      ...(managedBy !== undefined ? { managed_by: managedBy } : {}),
      clients: clients.map(exportClient),
      trusted_issuers: now.trusted_issuers.map(exportIssuer),
    };
  }

  private async applyOne(change: PlannedChange, actor: string): Promise<AppliedChange> {
    const values = Object.fromEntries(change.fields.map((f) => [f.field, f.to]));
    if (change.kind === 'trusted_issuer') {
      if (change.action === 'create') await this.issuers.create({ issuer: change.id, ...values }, actor);
      else await this.issuers.update(change.id, values, actor);
      return change;
    }
    switch (change.action) {
      case 'create': {
        const { secret } = await this.clients.create({ ...(values as unknown as NewClient), client_id: change.id }, actor);
        return secret === undefined ? change : { ...change, client_secret: secret };
      }
      case 'delete':
        await this.clients.delete(change.id, actor);
        return change;
      default: {
        // A new auth method may issue a new secret (to client_secret_jwt, or from private_key_jwt): shown once.
        const updated = await this.clients.update(change.id, values, actor);
        return updated.client_secret === undefined ? change : { ...change, client_secret: updated.client_secret };
      }
    }
  }

  private protectedIds(): string[] {
    return this.admin.clientId === undefined ? [] : [this.admin.clientId];
  }
}

async function all<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/** Only what differs from the defaults (and the required scope), so the file stays short and reviewable. */
function exportClient(c: ClientView): DesiredClient {
  const out: Record<string, unknown> = { client_id: c.client_id, scope: c.scope };
  for (const f of CLIENT_FIELDS) {
    const v = currentClientValue(c, f);
    if (f !== 'scope' && JSON.stringify(v) !== JSON.stringify(CLIENT_DEFAULTS[f])) out[f] = v;
  }
  return out as unknown as DesiredClient;
}

function exportIssuer(t: TrustedIssuerView): DesiredTrustedIssuer {
  const out: Record<string, unknown> = { issuer: t.issuer };
  for (const f of TRUSTED_ISSUER_FIELDS) if (JSON.stringify(t[f]) !== JSON.stringify(TRUSTED_ISSUER_DEFAULTS[f])) out[f] = t[f];
  return out as unknown as DesiredTrustedIssuer;
}
