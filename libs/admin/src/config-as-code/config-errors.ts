/**
 * Outcomes of planning and applying a desired-state document that the caller must be told about. Like the client
 * administration errors they carry no HTTP status: the admin API maps them and the CLI prints them.
 */

/** The file names clients that another file (another `managed_by`) owns; unlabel them first to move them. */
export class ManagedElsewhereError extends Error {
  constructor(readonly owners: { client_id: string; managed_by: string }[]) {
    super(
      `${owners.map((o) => `client "${o.client_id}" is managed by "${o.managed_by}"`).join('; ')}: ` +
        'a file may change only its own clients and those no file manages (set managed_by to null on the client to hand it over)',
    );
    this.name = 'ManagedElsewhereError';
  }
}
