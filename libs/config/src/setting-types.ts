import { isIP } from 'node:net';

/**
 * How a variable's text becomes a value. Each type knows its range as the configuration reference shows it, and
 * words its problems with the variable's name, so that every setting of one type is refused the same way.
 */
export interface SettingType<T> {
  /** The accepted values, as the reference shows them (Markdown). */
  readonly range: string;
  /** The value of a set variable (trimmed, never empty), or the problems with it. */
  parse(name: string, text: string): Parsed<T>;
  /** A value as the reference shows it (a default). */
  show(value: T): string;
}

type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  /** `checked`: a refused value that production rules may still check, so that every problem is reported at once. */
  | { readonly ok: false; readonly problems: readonly string[]; readonly checked?: T };

const accept = <T>(value: T): Parsed<T> => ({ ok: true, value });
const refuse = (...problems: string[]): Parsed<never> => ({ ok: false, problems });
const code = (value: unknown): string => `\`${String(value)}\``;

export type Unit = 'seconds' | 'ms' | 'bytes';

/** A whole number from `min` to `max` (digits only: no sign, no exponent). */
export function integer(min: number, max: number, unit?: Unit): SettingType<number> {
  return {
    range: `${code(min)}–${code(max)}${unit ? ` ${unit}` : ''}`,
    parse: (name, text) =>
      /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max
        ? accept(Number(text))
        : refuse(`${name} must be an integer between ${min} and ${max} (got "${text}")`),
    show: code,
  };
}

export function oneOf<T extends string>(values: readonly T[]): SettingType<T> {
  return {
    range: values.map(code).join(', '),
    parse: (name, text) =>
      (values as readonly string[]).includes(text)
        ? accept(text as T)
        : refuse(`${name} must be one of ${values.join(', ')} (got "${text}")`),
    show: code,
  };
}

const TRUE = ['1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no'];

/** `true`/`false`, also `1`/`0` and `yes`/`no`, in any case. */
export const bool: SettingType<boolean> = {
  range: '`true`, `false`',
  parse: (name, text) => {
    const v = text.toLowerCase();
    if (TRUE.includes(v)) return accept(true);
    if (FALSE.includes(v)) return accept(false);
    return refuse(`${name} must be true or false (got "${v}")`);
  },
  show: code,
};

/** Any text; `what` says what it names, for the reference. */
export function text(what: string): SettingType<string> {
  return { range: what, parse: (_, t) => accept(t), show: code };
}

/** A path prefix: `/` (none, stored as '') or `/segment[/segment]`, without a trailing slash. */
export const pathPrefix: SettingType<string> = {
  range: '`/` or `/segment[/segment]`',
  parse: (name, t) => {
    if (t === '/') return accept('');
    return /^(\/[A-Za-z0-9._~-]+)+$/.test(t)
      ? accept(t)
      : refuse(`${name} must look like /segment[/segment], without a trailing slash (got "${t}")`);
  },
  show: code,
};

/** An http(s) URL without query or fragment, as an RFC 8414 §2 issuer identifier; a trailing slash is dropped. */
export const issuerUrl: SettingType<string> = {
  range: 'http(s) URL, no query or fragment',
  parse: (name, t) => {
    const issuer = t.replace(/\/+$/, '');
    if (!URL.canParse(issuer)) return refuse(`${name} must be an absolute URL (got "${issuer}")`);
    const u = new URL(issuer);
    if (!['http:', 'https:'].includes(u.protocol) || u.search || u.hash) {
      return refuse(`${name} must be an http(s) URL without query or fragment (RFC 8414 §2)`);
    }
    return accept(issuer);
  },
  show: code,
};

export const postgresUrl: SettingType<string> = {
  range: '`postgres://` or `postgresql://` URL',
  parse: (name, t) => (/^postgres(ql)?:\/\//.test(t) ? accept(t) : refuse(`${name} must be a postgres:// or postgresql:// URL`)),
  show: code,
};

/** Comma-separated 32-byte keys in base64url; every bad entry is named by its position. */
export const keyList: SettingType<Buffer[]> = {
  range: 'comma-separated 32-byte keys, base64url (43 characters each)',
  parse: (name, t) => {
    const keys: Buffer[] = [];
    const problems: string[] = [];
    t.split(',').forEach((part, i) => {
      const s = part.trim();
      const key = /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url') : Buffer.alloc(0);
      if (key.length === 32) keys.push(key);
      else problems.push(`${name} entry #${i + 1} must be 32 bytes, base64url-encoded (43 characters)`);
    });
    return problems.length ? refuse(...problems) : accept(keys);
  },
  show: () => '',
};

/**
 * Which peers may set X-Forwarded-For: none (`false`), any (`true`), or the listed addresses and CIDR blocks
 * (each bad entry named).
 */
export const proxyList: SettingType<boolean | readonly string[]> = {
  range: '`false`, `true`, or comma-separated addresses and CIDR blocks',
  parse: (name, t) => {
    if (FALSE.includes(t.toLowerCase())) return accept(false);
    if (TRUE.includes(t.toLowerCase())) return accept(true);
    const entries = t.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => {
      const [addr, bits, extra] = e.split('/');
      const family = isIP(addr);
      const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
      return family === 0 || !bitsOk || extra !== undefined;
    });
    return bad.length
      ? refuse(
          ...bad.map((e) => `${name} must be true, false, or a comma-separated list of IP addresses and CIDR blocks (bad entry "${e}")`),
        )
      : accept(entries);
  },
  show: (v) => code(v),
};

/**
 * A secret an operator supplies, at least `minLength` characters of RFC 3986 unreserved characters only: curl -u
 * and common client libraries send Basic credentials without form-encoding, so `+`, `%`, `:` or a space would
 * work from some clients and not others.
 */
export function secret(minLength: number): SettingType<string> {
  return {
    range: `at least ${minLength} of \`A-Z a-z 0-9 - . _ ~\``,
    parse: (name, t) => {
      const problems: string[] = [];
      if (t.length < minLength) problems.push(`${name} must be at least ${minLength} characters`);
      if (!/^[A-Za-z0-9._~-]*$/.test(t)) {
        problems.push(`${name} may only use the characters A-Z a-z 0-9 - . _ ~ (e.g. openssl rand -hex 32)`);
      }
      if (problems.length === 0) return accept(t);
      // Wrong characters only: the production rules still judge the rest of it.
      return { ok: false, problems, checked: t.length >= minLength ? t : undefined };
    },
    show: () => '',
  };
}
