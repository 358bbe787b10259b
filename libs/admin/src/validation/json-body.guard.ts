import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JsonRequired } from '../errors/admin-errors';

/**
 * RFC 7591 §3.1: client metadata travels as application/json. The server also parses form and plain-text
 * bodies (for the token endpoint), which an admin route must not take for JSON. A request without a body
 * passes (rotating a secret needs none).
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (req.body === undefined || req.body === null) return true;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new JsonRequired();
    return true;
  }
}
