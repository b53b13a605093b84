import { describe, expect, it } from 'vitest';
import { commitCheck } from './commit-check.js';

const stage = (kind: 'build' | 'check', state: 'succeeded' | 'failed' | 'pending' | 'running') => ({ kind, state }) as never;

describe('commitCheck', () => {
  it('is red (failed) only when a check failed', () => {
    expect(commitCheck({ state: 'failed', stages: [stage('build', 'succeeded'), stage('check', 'failed')] })).toBe('failed');
    expect(commitCheck({ state: 'failed', stages: [stage('build', 'failed'), stage('check', 'pending')] })).toBe('none');
    expect(commitCheck({ state: 'succeeded', stages: [stage('build', 'succeeded'), stage('check', 'succeeded')] })).toBe('passed');
    expect(commitCheck({ state: 'running', stages: [stage('build', 'running'), stage('check', 'pending')] })).toBe('pending');
  });
});
