import { describe, expect, it } from 'vitest';
import { editDistance, suggestNearest, suggestionHint } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', 'abc', 0],
    ['instance', 'instances', 1],
    ['instnaces', 'instances', 1],
    ['kitten', 'sitting', 3],
    ['ab', 'ba', 1],
  ])('%j → %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('suggestNearest', () => {
  const serviceKeys = ['path', 'start', 'driver', 'instances', 'env', 'readiness', 'liveness', 'resources', 'routes', 'balance', 'stopGrace'];

  it.each([
    ['instance', 'instances'],
    ['instnaces', 'instances'],
    ['Instances', 'instances'],
    ['stop_grace', 'stopGrace'],
    ['stop-grace', 'stopGrace'],
    ['resource', 'resources'],
    ['replicas', 'instances'],
    ['command', 'start'],
    ['enf', 'env'],
  ])('suggests %j for %j', (word, expected) => {
    expect(suggestNearest(word, serviceKeys)).toBe(expected);
  });

  it.each(['image', 'port', 'x', 'healthchecks-and-more'])('suggests nothing for the far word %j', (word) => {
    expect(suggestNearest(word, serviceKeys)).toBeUndefined();
  });

  it('offers a synonym only when the target key exists here', () => {
    expect(suggestNearest('replicas', ['host', 'path'])).toBeUndefined();
  });

  it('lists the allowed words when nothing is close', () => {
    expect(suggestionHint('zzz', ['a', 'b'], 'keys here')).toBe('allowed keys here: a, b');
    expect(suggestionHint('bb', ['a', 'b'], 'keys here')).toBe('did you mean "b"?');
  });
});
