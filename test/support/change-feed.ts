const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `request` until it is no longer refused with 401 invalid_client, and returns the first other answer (or
 * the last refusal after `timeoutMs`, so the test's own assertion names what went wrong). A client registered by
 * another process (the CLI, another instance, raw SQL with its change_log row) is unknown to a running server's
 * id filter until that server polls the change feed: within one CHANGE_POLL_INTERVAL_MS, not at once. `request`
 * runs afresh each time, so a one-time credential (a client assertion's jti) is never sent twice.
 */
export async function onceClientKnown<R extends { status: number; body: unknown }>(
  request: () => Promise<R>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<R> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await request();
    const refused = res.status === 401 && (res.body as { error?: unknown } | undefined)?.error === 'invalid_client';
    if (!refused || Date.now() > until) return res;
    await sleep(everyMs);
  }
}
