import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { hookKind, pushedBranch, verifyHook } from './webhook-signature.js';

const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
const hmac = (secret: string): string => createHmac('sha256', secret).update(body).digest('hex');

describe('verifyHook', () => {
  it.each([
    ['GitHub', { 'x-hub-signature-256': `sha256=${hmac('s3cret')}` }],
    ['Gitea', { 'x-gitea-signature': hmac('s3cret'), 'x-hub-signature-256': 'sha256=ignored' }],
    ['GitLab', { 'x-gitlab-token': 's3cret' }],
  ])('accepts a %s delivery signed with the secret', (_forge, headers) => {
    expect(verifyHook(headers, body, 's3cret')).toBe(true);
  });

  it.each([
    ['GitHub with another secret', { 'x-hub-signature-256': `sha256=${hmac('other')}` }],
    ['GitHub without the sha256= prefix', { 'x-hub-signature-256': hmac('s3cret') }],
    ['Gitea with another secret', { 'x-gitea-signature': hmac('other') }],
    ['GitLab with another token', { 'x-gitlab-token': 's3cre' }],
    ['no signature at all', {}],
  ])('refuses %s', (_case, headers) => {
    expect(verifyHook(headers, body, 's3cret')).toBe(false);
  });

  it('refuses a body changed after signing', () => {
    expect(verifyHook({ 'x-hub-signature-256': `sha256=${hmac('s3cret')}` }, Buffer.from(`${body.toString()} `), 's3cret')).toBe(false);
  });

  it('never accepts an empty secret', () => {
    expect(verifyHook({ 'x-gitlab-token': '' }, body, '')).toBe(false);
  });

  it('names the forge and the pushed branch', () => {
    expect(hookKind({ 'x-gitlab-token': 'x' })).toBe('gitlab');
    expect(pushedBranch(body)).toBe('main');
    expect(pushedBranch(Buffer.from('{"ref":"refs/tags/v1"}'))).toBeNull();
    expect(pushedBranch(Buffer.from('not json'))).toBeNull();
  });
});

describe('RateLimiter', () => {
  it('allows a burst per client, then refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 1 }, { now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    now += 1000;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false]);
  });
});
