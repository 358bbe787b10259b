import { ApiError } from '../errors/api-error';

/** RFC 7591 §3.2.2 invalid_client_metadata: a field is malformed, or outside this server's registration policy. */
export class InvalidClientMetadataError extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_client_metadata', 400, description, debug);
  }
}

/** RFC 7591 §3.2.2 invalid_software_statement: not a JWT, a bad signature, expired, or claims of the wrong type. */
export class InvalidSoftwareStatement extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_software_statement', 400, description, debug);
  }
}

/** RFC 7591 §3.2.2 unapproved_software_statement: a valid JWT whose issuer this server does not trust. */
export class UnapprovedSoftwareStatement extends ApiError {
  constructor(description: string, debug?: string) {
    super('unapproved_software_statement', 400, description, debug);
  }
}
