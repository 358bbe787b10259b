import { parseConfig } from '@app/config';
import { AppMetrics } from './app-metrics';

async function samples(m: AppMetrics): Promise<string[]> {
  return (await m.render()).split('\n').filter((l) => l.startsWith('oauth_') || l.startsWith('auth_'));
}

describe('AppMetrics', () => {
  it('counts issued and refused tokens by grant type and error code, and observes each latency once', async () => {
    const m = new AppMetrics();
    m.recordToken('client_credentials', undefined, 0.004);
    m.recordToken('client_credentials', undefined, 0.02);
    m.recordToken('client_credentials', 'invalid_client', 0.03);
    m.recordToken(undefined, 'invalid_request', 0.001);
    const lines = await samples(m);
    expect(lines).toContain('oauth_tokens_issued_total{grant_type="client_credentials"} 2');
    expect(lines).toContain('oauth_tokens_refused_total{grant_type="client_credentials",error="invalid_client"} 1');
    expect(lines).toContain('oauth_tokens_refused_total{grant_type="none",error="invalid_request"} 1');
    expect(lines).toContain('oauth_token_request_duration_seconds_count 4');
    expect(lines).toContain('oauth_token_request_duration_seconds_bucket{le="0.005"} 2');
    expect(lines).toContain('oauth_token_request_duration_seconds_bucket{le="0.025"} 3');
  });

  it('folds any grant type a client invents into "other", so a client cannot create series', async () => {
    const m = new AppMetrics();
    for (let i = 0; i < 50; i++) m.recordToken(`urn:made-up:${i}`, 'unsupported_grant_type', 0.001);
    m.recordToken(['client_credentials'], 'invalid_request', 0.001);
    const refused = (await samples(m)).filter((l) => l.startsWith('oauth_tokens_refused_total{'));
    expect(refused).toEqual([
      'oauth_tokens_refused_total{grant_type="other",error="unsupported_grant_type"} 50',
      'oauth_tokens_refused_total{grant_type="none",error="invalid_request"} 1',
    ]);
  });

  it("exports Node's process metrics, but no GC duration histogram (its observer fills the old generation)", async () => {
    const text = await new AppMetrics().render();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_space_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    }
    expect(text).not.toContain('nodejs_gc_duration_seconds');
  });

  it('exports the GC duration histogram with METRICS_GC_DURATION=true', async () => {
    const text = await new AppMetrics(parseConfig({ METRICS_GC_DURATION: 'true' }).metrics).render();
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });

  it('counts throttled requests, and keeps registries of two instances apart', async () => {
    const a = new AppMetrics();
    const b = new AppMetrics();
    a.throttled();
    a.throttled();
    expect(await samples(a)).toContain('auth_throttled_requests_total 2');
    expect(await samples(b)).toContain('auth_throttled_requests_total 0');
  });
});
