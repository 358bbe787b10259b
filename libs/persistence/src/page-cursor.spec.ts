import { decodeCursor, encodeCursor, InvalidCursorError } from './page-cursor';

describe('page cursors', () => {
  it('round-trip any key, in unreserved characters only', () => {
    for (const key of ['a', 'client with spaces:%+', '12345', 'ü']) {
      const c = encodeCursor('clients', key);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor('clients', c)).toBe(key);
    }
  });

  it('refuse a cursor of another list', () => {
    expect(() => decodeCursor('audit', encodeCursor('clients', '5'))).toThrow(InvalidCursorError);
  });

  it.each([
    ['', 'empty'],
    ['***', 'not base64url'],
    [Buffer.from('not json').toString('base64url'), 'not JSON'],
    [Buffer.from('["clients"]').toString('base64url'), 'wrong shape'],
    [Buffer.from('["clients",5]').toString('base64url'), 'non-string key'],
    [Buffer.from('["clients","a\\u0000b"]').toString('base64url'), 'a NUL that PostgreSQL text cannot hold'],
    ['A'.repeat(2049), 'too long'],
  ])('refuse %j (%s)', (cursor) => {
    expect(() => decodeCursor('clients', cursor)).toThrow(InvalidCursorError);
  });
});
