import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and makes no call while open', () => {
    const b = new CircuitBreaker(3, 1000);
    for (let i = 0; i < 3; i++) {
      expect(b.allow(0)).toBe(true);
      b.failure(0);
    }
    expect(b.state).toBe('open');
    expect(b.allow(999)).toBe(false);
  });

  it('lets exactly one trial through after the interval; its success closes the circuit', () => {
    const b = new CircuitBreaker(1, 1000);
    b.failure(0);
    expect(b.allow(1000)).toBe(true);
    expect(b.allow(1000)).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow(1001)).toBe(true);
  });

  it('a failed trial opens it for another interval', () => {
    const b = new CircuitBreaker(1, 1000);
    b.failure(0);
    expect(b.allow(1000)).toBe(true);
    b.failure(1000);
    expect(b.allow(1999)).toBe(false);
    expect(b.allow(2000)).toBe(true);
  });

  it('a success between failures resets the count', () => {
    const b = new CircuitBreaker(2, 1000);
    b.failure(0);
    b.success();
    b.failure(0);
    expect(b.state).toBe('closed');
  });
});
