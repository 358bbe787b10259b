import type { TokenConfig } from '@app/config';
import type { FieldProblem } from '@app/clients';
import { InvalidClientMetadata } from '../errors/admin-errors';
import { CreateTrustedIssuerDto } from '../trusted-issuers/trusted-issuer.dto';
import { ClientMetadataPipe } from '../validation/admin-pipes';
import { DesiredClientDto, MANAGED_BY } from './config-document.dto';
import type { DesiredState } from './desired-state';

const TOP_LEVEL = ['$schema', 'managed_by', 'clients', 'trusted_issuers'];
/** A platform team's file holds hundreds of clients; far beyond that it is a mistake (or an attack on memory). */
export const MAX_ENTRIES = 5000;

/**
 * Validates a desired-state document (parsed JSON or YAML) with the admin API's own rules, so a file gets the
 * messages a request would: every wrong field at once, each named by its path (`clients.3.scope`) and its entry's
 * id, an unknown field as "property x should not exist". Throws InvalidClientMetadata.
 */
export async function validateDocument(raw: unknown, tokens: TokenConfig): Promise<DesiredState> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidClientMetadata([
      { field: 'document', message: 'the document must be an object {"clients": [...], "trusted_issuers": [...]}' },
    ]);
  }
  const doc = raw as Record<string, unknown>;
  const problems: FieldProblem[] = Object.keys(doc)
    .filter((k) => !TOP_LEVEL.includes(k))
    .map((k) => ({ field: k, message: `property ${k} should not exist (allowed: ${TOP_LEVEL.join(', ')})` }));
  const label = doc.managed_by;
  if (label !== undefined && (typeof label !== 'string' || !MANAGED_BY.test(label))) {
    problems.push({ field: 'managed_by', message: 'managed_by must be 1 to 255 printable ASCII characters without spaces' });
  }
  const pipe = new ClientMetadataPipe(tokens);
  const clients = await entries(pipe, DesiredClientDto, doc.clients, 'clients', 'client_id', problems);
  const issuers = await entries(pipe, CreateTrustedIssuerDto, doc.trusted_issuers, 'trusted_issuers', 'issuer', problems);
  if (problems.length) throw new InvalidClientMetadata(problems);
  return {
    ...(typeof label === 'string' ? { managed_by: label } : {}),
    clients: clients.map((c) => ({ ...c })),
    trusted_issuers: issuers.map((t) => ({ ...t })),
  };
}

async function entries<T extends object>(
  pipe: ClientMetadataPipe,
  type: new () => T,
  list: unknown,
  name: string,
  idField: keyof T & string,
  problems: FieldProblem[],
): Promise<T[]> {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > MAX_ENTRIES) {
    problems.push({ field: name, message: `${name} must be an array of at most ${MAX_ENTRIES} entries` });
    return [];
  }
  const out: T[] = [];
  const seen = new Set<unknown>();
  for (const [i, entry] of list.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push({ field: `${name}.${i}`, message: `each entry of ${name} must be an object` });
      continue;
    }
    const id = (entry as Record<string, unknown>)[idField];
    const which = typeof id === 'string' ? ` (${idField} "${id}")` : '';
    try {
      out.push((await pipe.transform(entry, { type: 'body', metatype: type })) as T);
    } catch (err) {
      if (!(err instanceof InvalidClientMetadata)) throw err;
      const details = (err.extra.details as FieldProblem[]).map((p) => ({
        field: `${name}.${i}.${p.field}`,
        message: `${p.message}${which}`,
      }));
      problems.push(...details);
    }
    if (typeof id === 'string') {
      if (seen.has(id)) problems.push({ field: `${name}.${i}.${idField}`, message: `${idField} "${id}" is listed twice` });
      seen.add(id);
    }
  }
  return out;
}
