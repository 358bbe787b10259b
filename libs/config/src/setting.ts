import type { SettingType } from './setting-types';

/**
 * One row of the settings table (settings.ts): an environment variable, its type and range, its default, what
 * production requires of it, one line of documentation, and the section of AppConfig it belongs to. The parser
 * and the configuration reference (docs/configuration.md) both read these rows.
 */
export interface Setting<T, V extends T | undefined = T | undefined> {
  readonly section: SectionId;
  readonly type: SettingType<T>;
  readonly default: Default<V>;
  /** One line for the reference (Markdown). */
  readonly doc: string;
  readonly production?: readonly ProductionRule<NoInfer<T>>[];
  /** `<NAME>_FILE` may name a file holding the value (the Docker secrets convention). */
  readonly file?: boolean;
  /** Read only when this other variable is set (a detail of a feature that is off without it). */
  readonly onlyWith?: string;
}

/** Declares a row; its value type comes from its type, and is optional when its default may be unset. */
export function setting<T, V extends T | undefined>(row: Setting<T, V>): Setting<T, V> {
  return row;
}

/** What a variable that is not set stands for. */
export interface Default<V> {
  resolve(production: boolean): V;
  /** The default as the reference shows it (Markdown), given how the row's type shows a value. */
  describe(show: (value: NonNullable<V>) => string): string;
}

export function fixed<V>(value: V): Default<V> {
  return { resolve: () => value, describe: (show) => show(value as NonNullable<V>) };
}

/** One default outside production, another in production (undefined: unset there). */
export function byEnv<V>(otherwise: V, production: V): Default<V> {
  const text = (v: V, show: (value: NonNullable<V>) => string): string => (v === undefined ? 'unset' : show(v as NonNullable<V>));
  return {
    resolve: (p) => (p ? production : otherwise),
    describe: (show) => `${text(otherwise, show)} (${text(production, show)} in production)`,
  };
}

/** Unset stays undefined: the section it belongs to derives a value, or goes without; `meaning` says which. */
export function unset(meaning: string): Default<undefined> {
  return { resolve: () => undefined, describe: () => meaning };
}

/** What NODE_ENV=production requires of one setting. */
export interface ProductionRule<T> {
  /** As the reference says it (Markdown). */
  readonly text: string;
  /**
   * The problem with this setting's value (undefined: unset) in production. Absent when a check across settings
   * enforces the rule (see config-checks.ts). Not asked about a value already refused by its type.
   */
  readonly problem?: (name: string, value: T | undefined) => string | undefined;
}

export function required(why?: string): ProductionRule<unknown> {
  return {
    text: '**required**',
    problem: (name, value) => (value === undefined ? `${name} is required in production${why ? ` (${why})` : ''}` : undefined),
  };
}

export function refused<T>(refusedValue: T, message: string): ProductionRule<T> {
  return { text: `\`${String(refusedValue)}\` is refused`, problem: (_, value) => (value === refusedValue ? message : undefined) };
}

export function atLeast(min: number, why?: string): ProductionRule<number> {
  return {
    text: `at least \`${min}\``,
    problem: (name, value) =>
      value !== undefined && value < min ? `${name} must be at least ${min}${why ? ` (${why})` : ''} in production` : undefined,
  };
}

/** A rule enforced elsewhere (a check across settings, a warning at start), or advice: documented only. */
export function documented(text: string): ProductionRule<unknown> {
  return { text };
}

/** The sections of AppConfig, in the reference's order; `server` holds its top-level fields. */
export const SECTIONS = [
  { id: 'server', title: 'Server', intro: 'Where the server listens, its issuer identifier, and whether it seeds the playground client.' },
  { id: 'database', title: 'Database', intro: 'PostgreSQL: the shared database, or the embedded one for development.' },
  { id: 'tokens', title: 'Access tokens', intro: 'Lifetime and shape of the access tokens the token endpoint issues.' },
  { id: 'keys', title: 'Signing keys', intro: 'The keys that sign access tokens, their rotation, and their encryption at rest.' },
  { id: 'secrets', title: 'Client secrets', intro: 'How client secrets are hashed.' },
  {
    id: 'clientCache',
    title: 'Client cache',
    intro: 'The per-instance cache of client rows and of secrets already verified against them.',
  },
  {
    id: 'assertions',
    title: 'Client assertions',
    intro: 'Client authentication by JWT assertion (RFC 7523 §2.2) and workload identity federation.',
  },
  {
    id: 'senderConstraint',
    title: 'Sender-constrained tokens (DPoP, mTLS)',
    intro: 'Tokens bound to a key the client proves it holds: DPoP (RFC 9449) and mutual TLS (RFC 8705).',
  },
  { id: 'claims', title: 'Token claims and the token hook', intro: 'What clients may add to their access tokens.' },
  {
    id: 'registration',
    title: 'Dynamic client registration',
    intro: 'Registration (RFC 7591) and management (RFC 7592), and the policy a registered client must fit.',
  },
  { id: 'admin', title: 'Admin API', intro: 'The admin client created at start, and what the admin API requires of a token.' },
  { id: 'http', title: 'HTTP', intro: 'Limits and timeouts of the public listener, and which proxies are trusted.' },
  {
    id: 'throttle',
    title: 'Throttling',
    intro: 'Failed client authentication, throttled per instance before any password hashing (token buckets).',
  },
  { id: 'revocation', title: 'Revocation', intro: 'RFC 7009 revocations a client may make, per instance.' },
  { id: 'log', title: 'Logs', intro: 'What the server logs, and how.' },
  { id: 'metrics', title: 'Metrics', intro: 'Prometheus metrics (they have no authentication).' },
  { id: 'shutdown', title: 'Shutdown', intro: 'What happens after SIGTERM.' },
] as const;

type SectionId = (typeof SECTIONS)[number]['id'];
