export { createApiClient, longRequestTimeoutMs, type ApiClient, type ApiClientOptions, type Health, type Session } from './api-client.js';
export { readLines, readServerSentEvents, type ServerSentEvent } from './stream-readers.js';
