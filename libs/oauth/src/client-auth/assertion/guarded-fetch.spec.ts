import { fetchJson } from './guarded-fetch';

describe('fetchJson: bounded in time from the first step', () => {
  it('refuses a host whose name never resolves within the fetch timeout (the lookup counts against it)', async () => {
    const silent = (): Promise<never> => new Promise(() => undefined);
    const started = Date.now();
    await expect(
      fetchJson(
        'https://keys.never-answers.test/jwks',
        { production: true, allowPrivateNetwork: false },
        { timeoutMs: 200, maxBytes: 4096 },
        silent,
      ),
    ).rejects.toThrow(/timed out resolving keys\.never-answers\.test/);
    // The timeout is 200 ms; the margin only absorbs a busy machine.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
