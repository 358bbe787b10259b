import { parseConfig } from '@app/config';
import { ApiError } from '@app/oauth';
import type { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { CreateClientDto } from '../clients/dto/create-client.dto';
import { RotateSecretDto } from '../clients/dto/rotate-secret.dto';
import { UpdateClientDto } from '../clients/dto/update-client.dto';
import { AdminQueryPipe, ClientMetadataPipe } from './admin-pipes';
import { PageQueryDto } from './page-query.dto';

const config = parseConfig({ MAX_ACCESS_TOKEN_TTL: '3600', ACCESS_TOKEN_TTL: '600' });
const pipe = new ClientMetadataPipe(config.tokens);
const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function problems(
  value: unknown,
  metatype: ArgumentMetadata['metatype'] = CreateClientDto,
  p: ValidationPipe = pipe,
  type: 'body' | 'query' = 'body',
) {
  try {
    await p.transform(value, { type, metatype });
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).body();
  }
  throw new Error('expected a validation error');
}

describe('ClientMetadataPipe', () => {
  it('passes valid registration metadata through as a DTO instance', async () => {
    const dto = await pipe.transform(
      { scope: 'a b:c', client_name: 'x', access_token_ttl: 3600, audience: ['https://api'], grant_types: ['client_credentials'] },
      body(CreateClientDto),
    );
    expect(dto).toBeInstanceOf(CreateClientDto);
    expect(dto).toEqual({
      scope: 'a b:c',
      client_name: 'x',
      access_token_ttl: 3600,
      audience: ['https://api'],
      grant_types: ['client_credentials'],
    });
  });

  it('accepts null for the clearable fields of an update', async () => {
    expect(await pipe.transform({ client_name: null, access_token_ttl: null }, body(UpdateClientDto))).toEqual({
      client_name: null,
      access_token_ttl: null,
    });
  });

  it('reports every wrong field at once, one message each, the type check first', async () => {
    expect(await problems({ scope: 5, access_token_ttl: 'abc', audience: 'x', extra: 1, client_id: 'é' })).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'Invalid value for extra, client_id, scope, access_token_ttl, audience',
      details: [
        { field: 'extra', message: 'property extra should not exist' },
        { field: 'client_id', message: 'client_id must consist of printable ASCII characters (RFC 6749 Appendix A.1)' },
        { field: 'scope', message: 'scope must be a string of space-delimited scope tokens' },
        { field: 'access_token_ttl', message: 'access_token_ttl must be an integer number of seconds' },
        { field: 'audience', message: 'audience must be an array' },
      ],
    });
  });

  it.each([
    [{ scope: '' }, 'scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)'],
    [{ scope: 'a  b' }, 'scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)'],
    [{ scope: 'a "b"' }, 'scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)'],
    [{ scope: 'a\\b' }, 'scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)'],
    [{}, 'scope', 'scope must be a string of space-delimited scope tokens'],
    [{ scope: 'a', access_token_ttl: 3601 }, 'access_token_ttl', 'access_token_ttl must not exceed MAX_ACCESS_TOKEN_TTL (3600)'],
    [{ scope: 'a', access_token_ttl: 0 }, 'access_token_ttl', 'access_token_ttl must not be less than 1'],
    [{ scope: 'a', access_token_ttl: 1.5 }, 'access_token_ttl', 'access_token_ttl must be an integer number of seconds'],
    [{ scope: 'a', client_secret: 'short' }, 'client_secret', 'client_secret must be 32 to 512 characters long'],
    [
      { scope: 'a', client_secret: `${'x'.repeat(31)}\u00e9` },
      'client_secret',
      'client_secret may only use the characters A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved)',
    ],
    [
      // Basic credentials are not form-encoded by curl -u and common libraries: a space or a + would break them.
      { scope: 'a', client_secret: 'a secret with spaces and a + sign!!' },
      'client_secret',
      'client_secret may only use the characters A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved)',
    ],
    [{ scope: 'a', client_id: '' }, 'client_id', 'client_id must be longer than or equal to 1 characters'],
    [{ scope: 'a', client_name: 'a\u0000b' }, 'client_name', 'client_name must not contain control characters'],
    [{ scope: 'a', audience: ['ok', ''] }, 'audience', 'each audience must be a non-empty string of at most 2048 characters'],
    [{ scope: 'a', audience: ['a b'] }, 'audience', 'an audience must not contain whitespace or control characters'],
    [{ scope: 'a', audience: [7] }, 'audience', 'each audience must be a string'],
    [{ scope: 'a', audience: ['x', 'x'] }, 'audience', "All audience's elements must be unique"],
    [
      { scope: 'a', grant_types: ['password'] },
      'grant_types',
      'each grant type must be one of client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, urn:ietf:params:oauth:grant-type:jwt-bearer',
    ],
    [
      { scope: 'a', token_endpoint_auth_method: 'none' },
      'token_endpoint_auth_method',
      'token_endpoint_auth_method must be one of client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth',
    ],
    [{ scope: 'a', introspect_any_token: 'yes' }, 'introspect_any_token', 'introspect_any_token must be a boolean value'],
  ])('rejects %j naming %s', async (value, field, message) => {
    expect((await problems(value)).details).toEqual([{ field, message }]);
  });

  it('rejects null for fields that cannot be cleared', async () => {
    expect((await problems({ scope: null, enabled: null }, UpdateClientDto)).details).toEqual([
      { field: 'scope', message: 'scope must be a string of space-delimited scope tokens' },
      { field: 'enabled', message: 'enabled must be a boolean value' },
    ]);
  });

  it('does not take a secret in an update', async () => {
    expect((await problems({ client_secret: 'x'.repeat(40), client_id: 'y' }, UpdateClientDto)).details).toEqual([
      { field: 'client_secret', message: 'property client_secret should not exist' },
      { field: 'client_id', message: 'property client_id should not exist' },
    ]);
  });

  it('rejects a body that is not an object', async () => {
    for (const value of [[{ scope: 'a' }], 'scope=a', 5, true]) {
      expect((await problems(value)).details).toEqual([{ field: 'body', message: 'the request body must be a JSON object' }]);
    }
  });

  it('bounds grace_seconds', async () => {
    expect((await problems({ grace_seconds: -1 }, RotateSecretDto)).details).toEqual([
      { field: 'grace_seconds', message: 'grace_seconds must not be less than 0' },
    ]);
    expect((await problems({ grace_seconds: 2592001 }, RotateSecretDto)).details).toEqual([
      { field: 'grace_seconds', message: 'grace_seconds must not be greater than 2592000' },
    ]);
    expect(await pipe.transform(undefined, body(RotateSecretDto))).toEqual({});
  });
});

describe('AdminQueryPipe', () => {
  const query = new AdminQueryPipe();
  it('defaults the limit and converts it', async () => {
    expect(await query.transform({}, { type: 'query', metatype: PageQueryDto })).toEqual({ limit: 100 });
    expect(await query.transform({ limit: '1000', cursor: 'abc' }, { type: 'query', metatype: PageQueryDto })).toEqual({
      limit: 1000,
      cursor: 'abc',
    });
  });

  it.each([['0'], ['1001'], ['abc'], ['1.5'], [['1', '2']]])('rejects limit=%j as invalid_request', async (limit) => {
    expect(await problems({ limit }, PageQueryDto, query, 'query')).toEqual({
      error: 'invalid_request',
      error_description: 'Invalid value for limit',
      details: [{ field: 'limit', message: 'limit must be an integer from 1 to 1000' }],
    });
  });

  it('rejects unknown and repeated parameters', async () => {
    expect((await problems({ cursor: ['a', 'b'], page: '2' }, PageQueryDto, query, 'query')).details).toEqual([
      { field: 'page', message: 'property page should not exist' },
      { field: 'cursor', message: 'cursor must be given once' },
    ]);
  });
});
