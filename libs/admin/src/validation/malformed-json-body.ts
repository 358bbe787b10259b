/**
 * The body of a request sent as application/json that does not parse. The JSON parser hands it on instead of
 * failing before routing, so each route answers in its own terms: admin metadata routes with
 * invalid_client_metadata naming the problem, OAuth endpoints with invalid_request (a non-form body).
 */
export class MalformedJsonBody {
  constructor(readonly problem: string) {}
}

/**
 * Deepest nesting of arrays and objects a JSON body may have. Client metadata needs five levels (`{jwks:{keys:[{x5c:[`);
 * validation and transformation walk a body recursively, so thousands of levels (a 16 KB body holds 8,000)
 * would exhaust the stack and answer 500.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a JSON text nests arrays and objects deeper than `max`, read from the text itself before anything
 * parses or walks it (so the check cannot overflow the stack). Brackets inside strings do not count.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
