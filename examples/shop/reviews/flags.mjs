// Feature flags over OFREP, the protocol Skiff serves, in one plain call (the shop has no npm
// dependencies; a service that has them can use the OpenFeature SDK with its OFREP provider).
// Skiff gives every instance OFREP_ENDPOINT and OFREP_HEADERS (`Authorization=Bearer <token>`, a
// token that may only evaluate flags in this environment). Any failure answers the fallback: a
// flag never breaks the page.
const endpoint = process.env.OFREP_ENDPOINT ?? process.env.OPENFEATURE_OFREP_ENDPOINT;
const headers = Object.fromEntries(
  (process.env.OFREP_HEADERS ?? '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
);
const timeoutMs = 500;

export async function flagValue(key, context, fallback) {
  if (!endpoint) return fallback;
  try {
    const response = await fetch(`${endpoint}/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ context }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.json();
    // A disabled flag answers without a value: the fallback applies.
    return response.ok && typeof body.value === typeof fallback ? body.value : fallback;
  } catch {
    return fallback;
  }
}
