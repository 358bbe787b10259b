import { TokenConfig } from '@app/config';
import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { InvalidAdminRequest, InvalidClientMetadata } from '../errors/admin-errors';
import { toFieldProblems } from './validation-details';

const STRICT = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  // One message per wrong field: the first rule it breaks.
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

/**
 * Request bodies of the admin API: unknown fields are rejected, and every wrong field is reported at once as
 * RFC 7591 §3.2.2 invalid_client_metadata. Also checks what depends on the configuration (the TTL cap).
 */
@Injectable()
export class ClientMetadataPipe extends ValidationPipe {
  constructor(private readonly tokens: TokenConfig) {
    super({ ...STRICT, exceptionFactory: (errors) => new InvalidClientMetadata(toFieldProblems(errors)) });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw new InvalidClientMetadata([{ field: 'body', message: 'the request body must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }

  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, options);
    const ttl = (object as { access_token_ttl?: unknown }).access_token_ttl;
    const max = this.tokens.maxAccessTokenTtl;
    if (typeof ttl === 'number' && ttl > max && !errors.some((e) => e.property === 'access_token_ttl')) {
      errors.push({
        property: 'access_token_ttl',
        constraints: { max: `access_token_ttl must not exceed MAX_ACCESS_TOKEN_TTL (${max})` },
        children: [],
      });
    }
    return errors;
  }
}

/** Query parameters of the admin lists: invalid_request with the same details. */
@Injectable()
export class AdminQueryPipe extends ValidationPipe {
  constructor() {
    super({ ...STRICT, exceptionFactory: (errors) => new InvalidAdminRequest(toFieldProblems(errors)) });
  }
}
