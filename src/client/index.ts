export { createApiClient, longRequestTimeoutMs, type ApiClient, type ApiClientOptions, type Health } from './api-client.js';
export { readLines, readServerSentEvents, type ServerSentEvent } from './stream-readers.js';
