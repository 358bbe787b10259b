import { isIP } from 'node:net';

/**
 * How a variable's text becomes a value. Each type knows its range as the configuration reference shows it, and
 * words its problems with the variable's name, so that every setting of one type is refused the same way.
 */
export interface SettingType<T> {
  /** The accepted values, as the reference shows them (Markdown). */
  readonly range: string;
  /** The value of a set variable (trimmed, never empty), or the problems with it. */
  parse(name: string, text: string, context: ParseContext): Parsed<T>;
  /** A value as the reference shows it (a default). */
  show(value: T): string;
}

/** What a type may need beyond the text: whether NODE_ENV is production, and the file system (files named by a setting). */
export interface ParseContext {
  readonly production: boolean;
  readFile(path: string): string;
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

/** Space- or comma-separated words, each given once; with `allowed`, each must be one of them. */
export function words<T extends string>(what: string, allowed?: readonly T[]): SettingType<readonly T[]> {
  return {
    range: allowed ? `space- or comma-separated: ${allowed.map(code).join(', ')}` : `space- or comma-separated ${what}s`,
    parse: (name, t) => {
      const list = [...new Set(t.split(/[\s,]+/).filter((x) => x !== ''))];
      const bad = allowed ? list.filter((x) => !(allowed as readonly string[]).includes(x)) : [];
      return bad.length ? refuse(...bad.map((x) => `${name}: unknown ${what} "${x}"`)) : accept(list as T[]);
    },
    show: (v) => (v.length ? code(v.join(',')) : 'empty'),
  };
}

/** Comma-separated entries, each one of `allowed`. */
export function commaList<T extends string>(allowed: readonly T[]): SettingType<readonly T[]> {
  return {
    range: `comma-separated: ${allowed.map(code).join(', ')}`,
    parse: (name, t) => {
      const entries = t.split(',').map((x) => x.trim());
      const bad = entries.filter((x) => !(allowed as readonly string[]).includes(x));
      return bad.length
        ? refuse(...bad.map((x) => `${name} entries must be among ${allowed.join(', ')} (got "${x}")`))
        : accept(entries as T[]);
    },
    show: (v) => code(v.join(',')),
  };
}

/** A file read at start (an unreadable one is a configuration problem, exit 78, not a crash later). */
export const readableFile: SettingType<{ readonly path: string; readonly text: string }> = {
  range: 'path of a readable file',
  parse: (name, path, { readFile }) => {
    try {
      return accept({ path, text: readFile(path) });
    } catch (err) {
      return refuse(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  },
  show: (v) => code(v.path),
};

/** An HTTP header name, lower-cased. */
export const headerName: SettingType<string> = {
  range: 'header name',
  parse: (name, t) => {
    const header = t.toLowerCase();
    return /^[a-z0-9-]+$/.test(header) ? accept(header) : refuse(`${name} must be an HTTP header name`);
  },
  show: code,
};

/** An https URL without query or fragment, without a trailing slash (`rfc`: the section that requires it). */
export function httpsUrl(rfc: string): SettingType<string> {
  return {
    range: 'https URL, no query or fragment',
    parse: (name, t) => {
      const url = t.replace(/\/+$/, '');
      return /^https:\/\/[^?#]+$/.test(url) ? accept(url) : refuse(`${name} must be an https URL without query or fragment (${rfc})`);
    },
    show: code,
  };
}

/** A service this server calls: an absolute URL without credentials or fragment; https only in production. */
export const serviceUrl: SettingType<string> = {
  range: 'http(s) URL (https in production), no credentials or fragment',
  parse: (name, t, { production }) => {
    const u = URL.canParse(t) ? new URL(t) : undefined;
    const schemes = production ? ['https:'] : ['https:', 'http:'];
    return u && schemes.includes(u.protocol) && !u.username && !u.password && !u.hash
      ? accept(t)
      : refuse(`${name} must be an absolute ${production ? 'https' : 'http(s)'} URL without credentials or fragment`);
  },
  show: code,
};
