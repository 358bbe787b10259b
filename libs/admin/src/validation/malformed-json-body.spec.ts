import { jsonNestsDeeperThan } from './malformed-json-body';

describe('jsonNestsDeeperThan (bounds the recursion of validating a body)', () => {
  it('counts nested arrays and objects', () => {
    expect(jsonNestsDeeperThan('{"jwks":{"keys":[{"x5c":["a"]}]}}', 5)).toBe(false);
    expect(jsonNestsDeeperThan('{"jwks":{"keys":[{"x5c":["a"]}]}}', 4)).toBe(true);
    expect(jsonNestsDeeperThan(`{"jwks":${'['.repeat(8000)}${']'.repeat(8000)}}`, 32)).toBe(true);
  });

  it('measures depth, not the number of sibling containers', () => {
    expect(jsonNestsDeeperThan(`[${Array(1000).fill('[]').join(',')}]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"${'{'.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\\\",${'"b":['.repeat(3)}`, 2)).toBe(true);
  });
});
