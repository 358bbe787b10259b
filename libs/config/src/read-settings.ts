import type { Setting } from './setting';
import type { ParseContext } from './setting-types';
import { type SettingName, SETTINGS, type SettingValues } from './settings';

export type RawEnv = Record<string, string | undefined>;

/** The rows, untyped: what reading every row the same way needs. */
const ROWS = Object.entries(SETTINGS) as unknown as readonly [SettingName, Setting<unknown>][];

/**
 * Secrets may also come from a file named by `<NAME>_FILE` (the Docker/Compose secrets convention); the
 * variable itself still wins when both are set.
 */
export const FILE_VARIABLES: readonly SettingName[] = ROWS.filter(([, row]) => row.file).map(([name]) => name);

/** The environment read through the table, before the sections are built from it. */
export interface SettingsRead {
  readonly values: SettingValues;
  readonly production: boolean;
  /** Whether the variable (or its file) gave a value, even one its type refused (and so replaced by the default). */
  given(name: SettingName): boolean;
  /** Whether its value was refused by its type (a rule across settings then has nothing to judge). */
  refused(name: SettingName): boolean;
  /** Variables whose value was read from their `<NAME>_FILE`, with the file's path. */
  readonly fromFile: ReadonlyMap<SettingName, string>;
  /** Unreadable files, values their type refuses, values production refuses: all of them, in the table's order. */
  readonly problems: readonly string[];
}

/**
 * Reads every row of the table: its variable (trimmed; empty counts as unset), else its file, else its default.
 * A refused value is reported and replaced by the default, so that the rules read afterwards still see a value
 * and every problem is reported at once.
 */
export function readSettings(env: RawEnv, readFile: (path: string) => string): SettingsRead {
  const problems: string[] = [];
  const fromFile = new Map<SettingName, string>();
  const texts = new Map<SettingName, string>();
  for (const [name] of ROWS) {
    const text = env[name]?.trim();
    if (text) texts.set(name, text);
  }
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`]?.trim();
    if (!path || texts.has(name)) continue;
    try {
      const text = readFile(path).trim();
      fromFile.set(name, path);
      if (text) texts.set(name, text);
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }

  // NODE_ENV first: production decides some defaults and what some types accept.
  const production = texts.get('NODE_ENV') === 'production';
  const context: ParseContext = { production, readFile };
  const parsed = new Map<SettingName, unknown>();
  const refused = new Set<SettingName>();
  for (const [name, row] of ROWS) {
    const text = texts.get(name);
    if (text === undefined || (row.onlyWith !== undefined && !texts.has(row.onlyWith as SettingName))) continue;
    const result = row.type.parse(name, text, context);
    if (result.ok) parsed.set(name, result.value);
    else {
      problems.push(...result.problems);
      if (result.checked === undefined) refused.add(name);
      else parsed.set(name, result.checked);
    }
  }

  const values: Record<string, unknown> = {};
  for (const [name, row] of ROWS) values[name] = parsed.has(name) ? parsed.get(name) : row.default.resolve(production);

  if (production) {
    for (const [name, row] of ROWS) {
      if (refused.has(name)) continue; // reported once, by its type
      for (const rule of row.production ?? []) {
        const problem = rule.problem?.(name, values[name]);
        if (problem) problems.push(problem);
      }
    }
  }
  return {
    values: values as SettingValues,
    production,
    given: (name) => texts.has(name),
    refused: (name) => refused.has(name),
    fromFile,
    problems,
  };
}
