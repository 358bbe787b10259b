import type { PlannedChange } from './desired-state';

const SIGN: Record<PlannedChange['action'], string> = { create: '+', update: '~', disable: '!', delete: '-' };

/**
 * A plan as a reviewer reads it in a pull request comment, one change per line and one line per field
 * (`+` create, `~` update, `!` disable, `-` delete), then a count; values as JSON.
 */
export function planText(changes: PlannedChange[]): string {
  if (!changes.length) return 'No changes: the server matches the file.\n';
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(`${SIGN[c.action]} ${c.kind} ${c.id} (${c.action})`);
    for (const f of c.fields) {
      const value = 'from' in f ? `${JSON.stringify(f.from)} -> ${JSON.stringify(f.to)}` : JSON.stringify(f.to);
      lines.push(`    ${f.field}: ${value}`);
    }
  }
  const count = (a: PlannedChange['action']) => changes.filter((c) => c.action === a).length;
  lines.push(
    '',
    `Plan: ${count('create')} to create, ${count('update')} to update, ${count('disable')} to disable, ${count('delete')} to delete.`,
  );
  return `${lines.join('\n')}\n`;
}
