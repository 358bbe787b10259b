/**
 * Outcomes of client administration that the caller must be told about. They carry no HTTP status: the
 * admin API maps them to its error bodies and the CLI prints them.
 */
export class ClientNotFoundError extends Error {
  constructor(readonly clientId: string) {
    super(`No client with client_id "${clientId}"`);
    this.name = 'ClientNotFoundError';
  }
}

/** The client_id is registered, or belonged to a deleted client whose tokens may still be live. */
export class ClientIdTakenError extends Error {
  constructor(
    readonly clientId: string,
    readonly reservedUntil?: Date,
  ) {
    super(
      reservedUntil
        ? `client_id "${clientId}" belonged to a deleted client and is reserved until ${reservedUntil.toISOString()}, when its last tokens expire`
        : `client_id "${clientId}" is already registered`,
    );
    this.name = 'ClientIdTakenError';
  }
}

/** The change would undo the operator's configuration (the configured admin client); the message says why. */
export class ProtectedClientError extends Error {
  constructor(
    readonly clientId: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'ProtectedClientError';
  }
}

/** What is wrong with one field of a request, named by its path (`jwks.keys.0`), as the admin API reports it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Metadata that is well-formed but wrong in context (RFC 7591 §3.2.2 invalid_client_metadata), per field. */
export class ClientMetadataError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'ClientMetadataError';
  }
}

/** A trusted issuer that does not exist. */
export class TrustedIssuerNotFoundError extends Error {
  constructor(readonly issuer: string) {
    super(`No trusted issuer "${issuer}"`);
    this.name = 'TrustedIssuerNotFoundError';
  }
}

/** The trusted issuer is registered already, or still named by federated credentials (listed in the message). */
export class TrustedIssuerConflictError extends Error {
  constructor(
    message: string,
    readonly clientIds: string[] = [],
  ) {
    super(message);
    this.name = 'TrustedIssuerConflictError';
  }
}
