/** Specs are text; a few MiB is far beyond any real one and still bounds memory per request. */
export const maxRequestBodyBytes = 4 * 1024 * 1024;
