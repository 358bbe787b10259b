/**
 * An error that is shown to the caller as `{error, error_description}` JSON (RFC 6749 §5.2 shape), with its
 * HTTP status and headers. `debug` is for the log only and never sent.
 */
export class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
    readonly description: string,
    readonly debug?: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = new.target.name;
  }

  body(): Record<string, unknown> {
    return { error: this.error, error_description: this.description, ...this.extra };
  }
}
