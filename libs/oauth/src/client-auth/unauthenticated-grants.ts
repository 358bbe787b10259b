import { SetMetadata } from '@nestjs/common';

export const UNAUTHENTICATED_GRANTS_KEY = 'oauth:unauthenticated-grants';

/**
 * Grant types this route also takes without client authentication, because the grant's own assertion identifies
 * the party (RFC 7523 §3.1: client authentication is optional with the JWT bearer grant). BasicAuthGuard then lets a
 * request with no credentials at all through, with no client; any credentials sent are still checked.
 */
export const UnauthenticatedGrants = (...grantTypes: string[]): MethodDecorator => SetMetadata(UNAUTHENTICATED_GRANTS_KEY, grantTypes);
