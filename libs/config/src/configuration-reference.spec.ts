import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigurationReference } from './configuration-reference';
import { SETTINGS } from './settings';

const REFERENCE = join(__dirname, '..', '..', '..', 'docs', 'configuration.md');

describe('the configuration reference (docs/configuration.md)', () => {
  it('is what the settings table generates, so the documentation cannot drift from the parser (npm run docs:config)', () => {
    expect(readFileSync(REFERENCE, 'utf8')).toBe(renderConfigurationReference());
  });

  it('documents every setting the parser reads, once, with its default, range and production rule', () => {
    const text = renderConfigurationReference();
    for (const name of Object.keys(SETTINGS)) {
      expect([name, text.split('\n').filter((line) => line.startsWith(`| \`${name}\``))]).toEqual([name, [expect.any(String)]]);
    }
    expect(text).toContain('| `PORT` | `8085` | `0`–`65535` | optional | HTTP port |');
    expect(text).toContain('| `SECRET_HASH_LOG_N` | `15` | `10`–`20` | at least `15` |');
    expect(text).toContain('| `HOST` | `127.0.0.1` (`0.0.0.0` in production) |');
    expect(text).toContain('- `TOKEN_REUSE_SECONDS` at most half of `ACCESS_TOKEN_TTL`');
  });
});
