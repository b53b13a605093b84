/** Secret names and sizes, apart from the zod schemas so the CLI checks them without loading zod. */

/** Secret names are environment variable names. */
export const secretNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,199}$/;
/** A few hundred KiB per value is far beyond any key or certificate and still bounds storage. */
export const maxSecretValueLength = 256 * 1024;
