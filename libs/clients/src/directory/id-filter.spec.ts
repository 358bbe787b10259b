import { randomUUID } from 'node:crypto';
import { IdFilter } from './id-filter';

describe('IdFilter', () => {
  it('never forgets an id it holds, and refuses almost every id it was not given', () => {
    const filter = new IdFilter(10_000);
    const held = Array.from({ length: 10_000 }, () => randomUUID());
    for (const id of held) filter.add(id);
    expect(held.every((id) => filter.mayContain(id))).toBe(true);
    let positives = 0;
    for (let i = 0; i < 20_000; i++) if (filter.mayContain(randomUUID())) positives++;
    // Sized at 16 bits per id with 8 probes: about 0.03 % false positives when full, so well under 0.5 %.
    expect(positives).toBeLessThan(100);
    expect(filter.full).toBe(false);
  });

  it('says when it holds more ids than it was sized for, and costs 2 bytes per id of capacity', () => {
    const filter = new IdFilter(10);
    expect(filter.capacity).toBe(65_536);
    expect(filter.bytes).toBe(65_536 * 2);
    for (let i = 0; i <= 65_536; i++) filter.add(`id-${i}`);
    expect(filter.full).toBe(true);
  });
});
