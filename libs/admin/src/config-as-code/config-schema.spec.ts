import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTrustedIssuerDto } from '../trusted-issuers/trusted-issuer.dto';
import { DesiredClientDto } from './config-document.dto';
import { configSchema } from './config-schema';

const CHECKED_IN = join(__dirname, '..', '..', '..', '..', 'schema', 'config.schema.json');

/** The fields the server's validation accepts for a DTO (the whitelist that rejects every other field). */
function validatedFields(type: new () => object): string[] {
  return [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(type, '', true, false)
        .map((m) => m.propertyName),
    ),
  ].sort();
}

type Schema = { $defs: Record<string, { properties: Record<string, unknown> }> };

describe('JSON Schema of the desired-state document', () => {
  it('is checked in unchanged, so editors validating against the repo copy agree with {BASE}/admin/schema/config.json', () => {
    // After changing config-schema.ts, write configSchema() as JSON (2-space indent) to schema/config.schema.json.
    expect(JSON.parse(readFileSync(CHECKED_IN, 'utf8'))).toEqual(configSchema());
  });

  it('names exactly the fields the server accepts, for clients and trusted issuers', () => {
    const defs = (configSchema() as unknown as Schema).$defs;
    expect(Object.keys(defs.client.properties).sort()).toEqual(validatedFields(DesiredClientDto));
    expect(Object.keys(defs.trusted_issuer.properties).sort()).toEqual(validatedFields(CreateTrustedIssuerDto));
  });
});
