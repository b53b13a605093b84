import { describe, expect, it } from 'vitest';
import { countProbe, livenessVerdict, readinessVerdict, startGraceVerdict, zeroCounters } from './health.js';

const probe = { successThreshold: 2, failureThreshold: 3 };
const run = (results: boolean[]) => results.reduce(countProbe, zeroCounters);

describe('health verdicts', () => {
  it('a starting instance is ready after successThreshold consecutive passes', () => {
    expect(readinessVerdict('starting', run([true]), probe, '').kind).toBe('unchanged');
    expect(readinessVerdict('starting', run([true, false, true]), probe, '').kind).toBe('unchanged');
    expect(readinessVerdict('starting', run([false, true, true]), probe, '')).toMatchObject({ state: 'ready' });
  });
  it('a ready instance turns unhealthy after failureThreshold consecutive failures, and back', () => {
    expect(readinessVerdict('ready', run([false, false]), probe, 'x').kind).toBe('unchanged');
    expect(readinessVerdict('ready', run([false, false, false]), probe, 'GET /health answered 500')).toEqual({
      kind: 'state',
      state: 'unhealthy',
      reason: 'readiness probe failed 3 times: GET /health answered 500',
    });
    expect(readinessVerdict('unhealthy', run([true, true]), probe, '')).toMatchObject({ state: 'ready' });
  });
  it('liveness failures replace the instance', () => {
    expect(livenessVerdict(run([false, false]), probe, '').kind).toBe('unchanged');
    expect(livenessVerdict(run([false, false, false]), probe, 'timeout').kind).toBe('replace');
  });
  it('an instance not ready within its start grace is replaced', () => {
    expect(startGraceVerdict(0, 1000, 1000).kind).toBe('unchanged');
    expect(startGraceVerdict(0, 1001, 1000).kind).toBe('replace');
  });
});
