/** The release strategies by name, apart from their schemas so a client can list them without loading zod. */
export const strategyTypes = ['recreate', 'rolling', 'blue-green', 'canary'] as const;
