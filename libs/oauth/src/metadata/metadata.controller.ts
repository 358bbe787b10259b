import { Controller, Get, Param, RequestMethod, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InvalidRequest } from '../errors';
import { AuthorizationServerMetadata } from './authorization-server-metadata';
import { MetadataService } from './metadata.service';

export const WELL_KNOWN = '.well-known/oauth-authorization-server';
/** The path-inserted form: find-my-way's wildcard, as Nest's Fastify adapter hands route paths over as written. */
const PATH_INSERTED = `${WELL_KNOWN}/*`;

/**
 * Routes createApp serves outside the global prefix. Nest matches exclusions (path-to-regexp syntax)
 * against route paths: `*rest` needs at least one character, so the prefixed route without a suffix
 * stays under the base path.
 */
export const METADATA_OUTSIDE_PREFIX: { path: string; method: RequestMethod }[] = [
  { path: `${WELL_KNOWN}/*rest`, method: RequestMethod.GET },
];

/** RFC 8414 §3 authorization server metadata. */
@Controller()
export class MetadataController {
  constructor(private readonly metadata: MetadataService) {}

  /** `{BASE_PATH}/.well-known/oauth-authorization-server`: where clients that append the suffix look. */
  @Get(WELL_KNOWN)
  underBasePath(@Res({ passthrough: true }) reply: FastifyReply): AuthorizationServerMetadata {
    return this.send(reply);
  }

  /** `/.well-known/oauth-authorization-server{BASE_PATH}`: RFC 8414 §3.1 path-inserted form. */
  @Get(PATH_INSERTED)
  pathInserted(@Param('*') issuerPath: string, @Res({ passthrough: true }) reply: FastifyReply): AuthorizationServerMetadata {
    if (!this.metadata.isOwnIssuerPath(issuerPath ?? ''))
      throw new InvalidRequest('No such endpoint', 'metadata for another issuer path', 404);
    return this.send(reply);
  }

  private send(reply: FastifyReply): AuthorizationServerMetadata {
    void reply.header('Cache-Control', `public, max-age=${this.metadata.maxAgeSeconds()}`);
    return this.metadata.document();
  }
}
