import { KeysConfig } from '@app/config';
import { JwksDocument, KeysService } from '@app/keys';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** RFC 7517 §5 JWK Set of the public signing keys, cacheable for JWKS_MAX_AGE. */
@Controller('oauth2')
export class JwksController {
  constructor(
    private readonly keys: KeysService,
    private readonly config: KeysConfig,
  ) {}

  @Get('jwks')
  jwks(@Res({ passthrough: true }) reply: FastifyReply): JwksDocument {
    void reply.header('Cache-Control', `public, max-age=${this.config.jwksMaxAgeSeconds}`);
    return this.keys.jwks();
  }
}
