import { SetMetadata } from '@nestjs/common';

export const QUERY_PARAMS_KEY = 'oauth:query-params';

/**
 * Names the parameters an endpoint also reads from the query string; BasicAuthGuard reads every other one
 * from the form body only. Without this decorator nothing is read from the query string: introspection
 * (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) take their parameters from the POST body, so a token
 * never has to travel in a URL that proxies and logs keep.
 */
export const ParamsFromQuery = (...names: string[]): MethodDecorator & ClassDecorator => SetMetadata(QUERY_PARAMS_KEY, names);
