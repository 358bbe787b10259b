import { CROSS_CHECKS, START_WARNINGS } from './config-checks';
import { FILE_VARIABLES } from './read-settings';
import { SECTIONS, type Setting } from './setting';
import { type SettingName, SETTINGS } from './settings';

/*
 * docs/configuration.md, generated from the settings table: `npm run docs:config` writes it (scripts/
 * update-configuration.js, through the build), and configuration-reference.spec.ts fails when the file and the
 * table differ. A pure function of the table, so the spec needs no build.
 */

const code = (s: string): string => `\`${s}\``;
/** A Markdown table cell: a `|` would end it. */
const cell = (s: string): string => s.replaceAll('|', '\\|');

function row(name: SettingName, setting: Setting<unknown>): string {
  const variable = setting.file ? `${code(name)} (${code('_FILE')})` : code(name);
  const doc = setting.onlyWith ? `${setting.doc} (read only with ${code(setting.onlyWith)})` : setting.doc;
  const production = setting.production?.map((rule) => rule.text).join('; ') || 'optional';
  const cells = [variable, setting.default.describe((v) => setting.type.show(v)), setting.type.range, production, doc];
  return `| ${cells.map(cell).join(' | ')} |`;
}

export function renderConfigurationReference(): string {
  const rows = Object.entries(SETTINGS) as unknown as [SettingName, Setting<unknown>][];
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from libs/config/src/settings.ts by `npm run docs:config`: edit the table there, not this file. -->',
    '',
    'The server reads its configuration from environment variables, once, at start. Every variable is validated;',
    'all problems are reported together and the process exits with status 78 (EX_CONFIG) without starting. An',
    'empty variable counts as unset.',
    '',
    `Secrets can also be given as files: \`<NAME>_FILE\` names a file whose content (trimmed) is the value, for`,
    `${FILE_VARIABLES.map(code).join(', ')} (the Docker secrets convention); the variable itself wins when both are set.`,
    '',
    'The Production column says what `NODE_ENV=production` requires of a setting; "optional" where it requires',
    'nothing. Durations say their unit; a default in terms of other settings is derived from their values.',
  ];
  for (const section of SECTIONS) {
    out.push('', `## ${section.title}`, '', section.intro, '');
    out.push('| Variable | Default | Values | Production | Description |', '| --- | --- | --- | --- | --- |');
    for (const [name, setting] of rows) if (setting.section === section.id) out.push(row(name, setting));
  }
  out.push(
    '',
    '## Rules across settings',
    '',
    'Checked once every setting is read, and reported together with the problems above:',
    '',
    ...CROSS_CHECKS.map((check) => `- ${check.rule}`),
    '',
    'The admin scope must be a single RFC 6749 §3.3 scope token (`ADMIN_SCOPE`, checked by the clients library).',
    '',
    '## Warnings at start',
    '',
    'Allowed in production, but unsafe where the server runs there: each is logged once at start.',
    '',
    ...START_WARNINGS.map((warning) => `- ${warning.rule}`),
    '',
    '## Tracing',
    '',
    'Tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` names an OTLP collector; then traces (HTTP, route,',
    'PostgreSQL) are exported. The other `OTEL_*` variables (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`,',
    '`OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, …) work as OpenTelemetry documents them. They are read by',
    'OpenTelemetry\'s SDK before the application loads: the one exception to "only the config library reads the',
    'environment".',
    '',
  );
  return out.join('\n');
}
