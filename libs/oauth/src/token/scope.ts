import { SCOPE_TOKEN } from '@app/clients';
import { InvalidScope } from '../errors';

/** Splits an RFC 6749 §3.3 scope parameter into unique scope-tokens, rejecting malformed ones. */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const unique: string[] = [];
  for (const t of value.split(' ')) {
    if (t === '') continue;
    if (!SCOPE_TOKEN.test(t)) throw new InvalidScope('The scope parameter is malformed (RFC 6749 §3.3)');
    if (!unique.includes(t)) unique.push(t);
  }
  return unique.length ? unique : undefined;
}

/** Requested scopes must all be registered for the client; none requested means all registered ones. */
export function grantScopes(requested: string[] | undefined, registered: readonly string[]): string[] {
  if (requested === undefined) return [...registered];
  const missing = requested.filter((s) => !registered.includes(s));
  if (missing.length) {
    throw new InvalidScope(`The requested scope exceeds what the client may ask for: ${missing.join(' ')}`);
  }
  return requested;
}
