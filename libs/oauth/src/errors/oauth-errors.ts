import { ApiError } from './api-error';

/** RFC 6749 §5.2: the request is missing a parameter, repeats one, or is otherwise malformed. */
export class InvalidRequest extends ApiError {
  constructor(description: string, debug?: string, status = 400, headers: Record<string, string> = {}) {
    super('invalid_request', status, description, debug, headers);
  }
}

/**
 * RFC 6749 §5.2: client authentication failed. Always 401 with a WWW-Authenticate challenge for Basic, and
 * one description whatever the reason, so the answer does not tell an unknown client from a wrong secret.
 */
export class InvalidClient extends ApiError {
  constructor(realm: string, debug?: string, description = 'Client authentication failed') {
    super('invalid_client', 401, description, debug, { 'WWW-Authenticate': `Basic realm="${realm.replace(/["\\]/g, '')}"` });
  }
}

/** RFC 6749 §5.2: the client may not use this grant type. */
export class UnauthorizedClient extends ApiError {
  constructor(description: string, debug?: string) {
    super('unauthorized_client', 400, description, debug);
  }
}

/** RFC 6749 §5.2 */
export class UnsupportedGrantType extends ApiError {
  constructor(description: string, debug?: string) {
    super('unsupported_grant_type', 400, description, debug);
  }
}

/** RFC 6749 §5.2: malformed scope, or beyond what the client was registered for. */
export class InvalidScope extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_scope', 400, description, debug);
  }
}

/** RFC 8707 §2: the requested resource (audience) is invalid or not allowed for this client. */
export class InvalidTarget extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_target', 400, description, debug);
  }
}

/** RFC 6749 §5.2 server_error: an unexpected fault; the cause is logged, never sent. */
export class ServerError extends ApiError {
  constructor(debug?: string) {
    super('server_error', 500, 'The server encountered an unexpected condition', debug);
  }
}

/** RFC 6749 §4.1.2.1 temporarily_unavailable, used for infrastructure faults with Retry-After. */
export class TemporarilyUnavailable extends ApiError {
  constructor(retryAfterSeconds: number, debug?: string) {
    super('temporarily_unavailable', 503, 'The service is temporarily unavailable, retry later', debug, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/**
 * Throttled or shed load: 429 (RFC 6585 §4) with Retry-After. RFC 6749 has no rate-limit
 * code; temporarily_unavailable (§4.1.2.1) is the closest, and 5xx stays reserved for real faults.
 */
export class TooManyRequests extends ApiError {
  constructor(retryAfterSeconds: number, debug?: string) {
    super('temporarily_unavailable', 429, 'Too many requests, retry later', debug, { 'Retry-After': String(retryAfterSeconds) });
  }
}

function bearerChallenge(realm: string, params: Record<string, string>): string {
  const parts = [`realm="${realm.replace(/["\\]/g, '')}"`, ...Object.entries(params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`)];
  return `Bearer ${parts.join(', ')}`;
}

/** RFC 6750 §3: no credentials at all: a bare challenge, no error code. */
export class BearerRequired extends ApiError {
  constructor(realm: string) {
    super('invalid_token', 401, 'A bearer access token is required', undefined, { 'WWW-Authenticate': bearerChallenge(realm, {}) });
  }
}

/** RFC 6750 §3.1 invalid_token */
export class InvalidToken extends ApiError {
  constructor(realm: string, debug?: string) {
    const description = 'The access token is invalid, expired or revoked';
    super('invalid_token', 401, description, debug, {
      'WWW-Authenticate': bearerChallenge(realm, { error: 'invalid_token', error_description: description }),
    });
  }
}

/** RFC 6750 §3.1 insufficient_scope */
export class InsufficientScope extends ApiError {
  constructor(realm: string, scope: string) {
    const description = `The access token lacks the required scope "${scope}"`;
    super('insufficient_scope', 403, description, undefined, {
      'WWW-Authenticate': bearerChallenge(realm, { error: 'insufficient_scope', error_description: description, scope }),
    });
  }
}

/** RFC 6749 §5.2 invalid_grant: the grant itself (a JWT bearer assertion, RFC 7523 §3.1) is invalid. */
export class InvalidGrant extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_grant', 400, description, debug);
  }
}

/** RFC 6749 §4.1.2.1 access_denied, as a token hook decides it: 403, the hook's description shown. */
export class AccessDenied extends ApiError {
  constructor(description: string, debug?: string) {
    super('access_denied', 403, description, debug);
  }
}
