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
