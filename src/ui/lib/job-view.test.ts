import { describe, expect, it } from 'vitest';
import { fromNow } from './format.js';
import { jobKey, jobState, runResult } from './job-view.js';

describe('job views', () => {
  it('shows the exit code only where it explains a failure', () => {
    expect(runResult({ status: 'failed', exitCode: 3 })).toBe('failed (exit 3)');
    expect(runResult({ status: 'succeeded', exitCode: 0 })).toBe('succeeded');
    expect(runResult({ status: 'timed-out', exitCode: null })).toBe('timed-out');
    expect(runResult({ status: 'running', exitCode: null })).toBe('running');
  });

  it('calls a job running while a run is under way, else by its last result', () => {
    expect(jobState({ running: 1, lastRun: null })).toBe('running');
    expect(jobState({ running: 0, lastRun: null })).toBe('pending');
    expect(jobState({ running: 0, lastRun: { status: 'failed' } })).toBe('failed');
    expect(jobKey({ environment: 'dev', name: 'tally' })).toBe('dev/tally');
  });

  it('says how long until a time', () => {
    const now = Date.parse('2025-01-02T03:04:05Z');
    expect(fromNow('2025-01-02T03:04:15Z', now)).toBe('in 10s');
    expect(fromNow('2025-01-02T04:04:05Z', now)).toBe('in 1h');
    expect(fromNow('2025-01-02T03:04:05Z', now)).toBe('now');
    expect(fromNow('2025-01-02T03:00:00Z', now)).toBe('now');
    expect(fromNow(null, now)).toBe('-');
  });
});
