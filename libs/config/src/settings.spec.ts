import type { Setting } from './setting';
import { SETTINGS } from './settings';

const rows = Object.entries(SETTINGS) as unknown as [string, Setting<unknown>][];
const context = { production: false, readFile: (): string => '' };

describe('the settings table', () => {
  it.each([false, true])('gives every setting a default its own type accepts (production: %s)', (production) => {
    for (const [name, row] of rows) {
      const value = row.default.resolve(production);
      // Unset, or a list (written differently from how it is shown).
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      const parsed = row.type.parse(name, String(value), context);
      expect([name, parsed]).toEqual([name, { ok: true, value }]);
    }
  });

  it('names only variables of the table as what a detail setting depends on', () => {
    for (const [, row] of rows) if (row.onlyWith !== undefined) expect(Object.keys(SETTINGS)).toContain(row.onlyWith);
  });
});
