/**
 * RFC 3986 §5.2.4 (remove_dot_segments) step by step, as the RFC writes it, on a path whose
 * encoded dot segments (`%2e`) are decoded first: the oracle the router's own normaliser is
 * checked against. Slow and simple on purpose. Not part of the build.
 */

/** A path segment that means `.` or `..` (also written with `%2e`). */
export function isDotSegment(segment: string): boolean {
  return /^(?:\.|%2e){1,2}$/i.test(segment);
}

export function rfcRemoveDotSegments(path: string): string {
  let input = path
    .split('/')
    .map((segment) => (isDotSegment(segment) ? segment.replace(/%2e/gi, '.') : segment))
    .join('/');
  let out = '';
  const dropLast = (): void => {
    out = out.slice(0, Math.max(0, out.lastIndexOf('/')));
  };
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./') || input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = input === '/..' ? '/' : input.slice(3);
      dropLast();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const first = next === -1 ? input : input.slice(0, next);
      out += first;
      input = input.slice(first.length);
    }
  }
  return out;
}
