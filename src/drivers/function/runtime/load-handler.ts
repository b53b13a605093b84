/** Imports a function's handler module and finds its `fetch` (named, or on the default export). */
import { pathToFileURL } from 'node:url';

export type FetchHandler = (request: Request, env: Readonly<Record<string, string>>) => unknown;

export type LoadedHandler = { readonly ok: true; readonly fetch: FetchHandler } | { readonly ok: false; readonly reason: string };

export async function loadHandler(handlerPath: string): Promise<LoadedHandler> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(handlerPath).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(handlerPath)) {
      return { ok: false, reason: `the handler ${handlerPath} does not exist` };
    }
    return { ok: false, reason: `importing ${handlerPath} threw: ${describeError(error)}` };
  }
  const named = module.fetch;
  if (typeof named === 'function') return { ok: true, fetch: named as FetchHandler };
  const fallback = module.default as { fetch?: unknown } | undefined;
  if (typeof fallback?.fetch === 'function') {
    const target = fallback;
    const method = fallback.fetch as FetchHandler;
    return { ok: true, fetch: (request, env) => method.call(target, request, env) };
  }
  return {
    ok: false,
    reason: `${handlerPath} exports no fetch function (exports: ${Object.keys(module).join(', ') || 'none'}); export \`async function fetch(request, env)\` or \`export default { fetch }\``,
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const where = error.stack?.split('\n').find((line) => line.trim().startsWith('at '))?.trim();
    return `${error.name}: ${error.message}${where ? ` (${where})` : ''}`;
  }
  return String(error);
}
