import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidClientMetadata, JsonRequired } from '../errors/admin-errors';
import { MalformedJsonBody } from './malformed-json-body';

/**
 * RFC 7591 §3.1: client metadata travels as application/json. The server also parses form and plain-text
 * bodies (for the token endpoint), which an admin route must not take for JSON. A request without a body,
 * or with an empty one, passes (rotating a secret needs none); a body that is not valid JSON is refused.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  protected readonly required: boolean = false;

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (req.body instanceof MalformedJsonBody) throw bodyProblem(req.body.problem);
    if (req.body === undefined && this.required) {
      throw bodyProblem('a JSON object with the client metadata is required, the request body is empty');
    }
    if (req.body === undefined || req.body === null) return true;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new JsonRequired();
    return true;
  }
}

/** For routes whose body carries the metadata itself (register, update): an empty body is an error too. */
@Injectable()
export class RequiredJsonBodyGuard extends JsonBodyGuard {
  protected override readonly required: boolean = true;
}

function bodyProblem(message: string): InvalidClientMetadata {
  return new InvalidClientMetadata([{ field: 'body', message }]);
}
