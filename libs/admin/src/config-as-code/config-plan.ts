import { splitScope, type ClientView, type TrustedIssuerView } from '@app/clients';
import { ManagedElsewhereError } from './config-errors';
import {
  CLIENT_DEFAULTS,
  CLIENT_FIELDS,
  type ClientField,
  type CurrentState,
  type DesiredClient,
  type DesiredState,
  type DesiredTrustedIssuer,
  type FieldChange,
  type PlannedChange,
  TRUSTED_ISSUER_DEFAULTS,
  TRUSTED_ISSUER_FIELDS,
} from './desired-state';

export interface PlanOptions {
  /** What to do with clients labelled with the file's managed_by that it no longer names; absent: leave them. */
  prune?: 'delete' | 'disable';
  /** Never pruned (the configured admin client, which the configuration defines). */
  protectedClientIds?: readonly string[];
}

/**
 * The changes that turn `current` into `desired`, in the order they must be applied: trusted issuers first
 * (federated credentials name them), then the file's clients in file order, then prunes in client_id order.
 * Unchanged entries are left out. Pure: the same inputs always give the same plan.
 */
export function planChanges(desired: DesiredState, current: CurrentState, opts: PlanOptions = {}): PlannedChange[] {
  const label = desired.managed_by;
  const clients = new Map(current.clients.map((c) => [c.client_id, c]));
  const issuers = new Map(current.trusted_issuers.map((t) => [t.issuer, t]));

  const owned = desired.clients.flatMap((d) => {
    const owner = clients.get(d.client_id)?.managed_by;
    return owner !== undefined && owner !== label ? [{ client_id: d.client_id, managed_by: owner }] : [];
  });
  if (owned.length) throw new ManagedElsewhereError(owned);

  const changes: PlannedChange[] = [];
  for (const d of desired.trusted_issuers) {
    const change = issuerChange(d, issuers.get(d.issuer));
    if (change) changes.push(change);
  }
  for (const d of desired.clients) {
    const change = clientChange(d, clients.get(d.client_id), label);
    if (change) changes.push(change);
  }
  if (opts.prune && label !== undefined) {
    const named = new Set(desired.clients.map((d) => d.client_id));
    const spared = new Set(opts.protectedClientIds ?? []);
    const orphans = current.clients
      .filter((c) => c.managed_by === label && !named.has(c.client_id) && !spared.has(c.client_id))
      .sort((a, b) => (a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0));
    for (const c of orphans) {
      if (opts.prune === 'delete') changes.push({ kind: 'client', id: c.client_id, action: 'delete', fields: [] });
      else if (c.enabled) {
        changes.push({ kind: 'client', id: c.client_id, action: 'disable', fields: [{ field: 'enabled', from: true, to: false }] });
      }
    }
  }
  return changes;
}

function clientChange(d: DesiredClient, c: ClientView | undefined, label: string | undefined): PlannedChange | undefined {
  if (!c) {
    const fields: FieldChange[] = CLIENT_FIELDS.filter((f) => d[f] !== undefined).map((f) => ({ field: f, to: d[f] }));
    if (label !== undefined) fields.push({ field: 'managed_by', to: label });
    return { kind: 'client', id: d.client_id, action: 'create', fields };
  }
  const fields: FieldChange[] = [];
  for (const f of CLIENT_FIELDS) {
    const want = d[f] ?? CLIENT_DEFAULTS[f];
    const have = currentClientValue(c, f);
    if (!sameClientValue(f, have, want)) fields.push({ field: f, from: have, to: want });
  }
  if (label !== undefined && c.managed_by !== label) fields.push({ field: 'managed_by', from: c.managed_by ?? null, to: label });
  if (!fields.length) return undefined;
  const disableOnly = fields.length === 1 && fields[0].field === 'enabled' && fields[0].to === false;
  return { kind: 'client', id: d.client_id, action: disableOnly ? 'disable' : 'update', fields };
}

function issuerChange(d: DesiredTrustedIssuer, t: TrustedIssuerView | undefined): PlannedChange | undefined {
  if (!t) {
    const fields = TRUSTED_ISSUER_FIELDS.filter((f) => d[f] !== undefined).map((f) => ({ field: f, to: d[f] }));
    return { kind: 'trusted_issuer', id: d.issuer, action: 'create', fields };
  }
  const fields: FieldChange[] = [];
  for (const f of TRUSTED_ISSUER_FIELDS) {
    const want = d[f] ?? TRUSTED_ISSUER_DEFAULTS[f];
    const have = t[f];
    const same = f === 'signing_alg_values' ? sameSet(have as string[], want as readonly string[]) : canonical(have) === canonical(want);
    if (!same) fields.push({ field: f, from: have, to: want });
  }
  return fields.length ? { kind: 'trusted_issuer', id: d.issuer, action: 'update', fields } : undefined;
}

/** The value of a file field on an existing client; fields the view leaves out when empty get their default. */
export function currentClientValue(c: ClientView, f: ClientField): unknown {
  switch (f) {
    case 'jwks':
      return c.jwks ?? null;
    case 'jwks_uri':
      return c.jwks_uri ?? null;
    case 'federated_credentials':
      return c.federated_credentials ?? [];
    // The view leaves these out when unset.
    case 'token_claims':
      return c.token_claims ?? null;
    case 'token_exchange':
      return c.token_exchange ?? null;
    case 'token_hook':
      return c.token_hook ?? false;
    case 'tls_client_auth_subject_dn':
    case 'tls_client_auth_san_dns':
    case 'tls_client_auth_san_uri':
    case 'tls_client_auth_san_ip':
    case 'tls_client_auth_san_email':
      return c[f] ?? null;
    default:
      return c[f];
  }
}

/** Scope and grant types are sets (RFC 6749 §3.3: order carries no meaning); audience order does (the first is the default). */
function sameClientValue(f: ClientField, have: unknown, want: unknown): boolean {
  if (f === 'scope') return sameSet(splitScope(have as string), splitScope(want as string));
  if (f === 'grant_types') return sameSet(have as string[], want as readonly string[]);
  return canonical(have) === canonical(want);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** JSON with object keys sorted, so equal JWKs or claims written in another key order compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
