import type { FieldProblem } from '@app/clients';
import { ApiError } from '@app/oauth';

/** RFC 7591 §3.2.2: a metadata field is invalid; `details` names each wrong field. */
export class InvalidClientMetadata extends ApiError {
  constructor(details: FieldProblem[]) {
    super('invalid_client_metadata', 400, describeFields(details), undefined, {}, { details });
  }
}

/** A malformed query parameter of an admin list (limit, cursor), in the same shape. */
export class InvalidAdminRequest extends ApiError {
  constructor(details: FieldProblem[]) {
    super('invalid_request', 400, describeFields(details), undefined, {}, { details });
  }
}

export class ClientNotFound extends ApiError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

/** The client id is taken (by a client, or by a deleted one's tombstone). */
export class ClientIdConflict extends ApiError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

/** A change the configuration forbids for this client: the bootstrap admin client, the playground in production. */
export class ProtectedClientChange extends ApiError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

/** Clients as code: the file claims clients another file (another `managed_by`) owns; `client_ids` names them. */
export class ManagedElsewhere extends ApiError {
  constructor(message: string, clientIds: string[]) {
    super('conflict', 409, message, undefined, {}, { client_ids: clientIds });
  }
}

export class TrustedIssuerNotFound extends ApiError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

/** The issuer is trusted already, or federated credentials still name it: then `client_ids` lists their clients. */
export class TrustedIssuerConflict extends ApiError {
  constructor(message: string, clientIds: readonly string[]) {
    super('conflict', 409, message, undefined, {}, clientIds.length ? { client_ids: clientIds } : {});
  }
}

/** RFC 7591 §3.1: client metadata is sent as application/json. */
export class JsonRequired extends ApiError {
  constructor() {
    super('invalid_request', 415, 'Send the request body as application/json');
  }
}

/**
 * The fields at fault; a problem with the body as a whole (not JSON, nested too deep, not an object) is told as
 * it is, since there is no field to name and "Invalid value for body" would leave the caller guessing.
 */
function describeFields(details: FieldProblem[]): string {
  if (details.length === 1 && details[0].field === 'body') return details[0].message;
  const fields = [...new Set(details.map((d) => d.field))];
  return `Invalid value for ${fields.join(', ')}`;
}
