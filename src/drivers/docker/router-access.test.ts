import { describe, expect, it } from 'vitest';
import { containerHostAccess } from './router-access.js';

describe('containerHostAccess', () => {
  it("names the host by its alias for the router's and the OFREP endpoint's loopback URLs, and leaves other URLs alone", () => {
    const env = {
      SKIFF_ROUTER_URL: 'http://127.0.0.1:8080',
      OFREP_ENDPOINT: 'http://127.0.0.1:7070',
      OPENFEATURE_OFREP_ENDPOINT: 'http://localhost:7070',
      OFREP_HEADERS: 'Authorization=Bearer x',
      UPSTREAM: 'http://127.0.0.1:9999',
    };
    expect(containerHostAccess(env, '172.17.0.1')).toEqual({
      env: {
        SKIFF_ROUTER_URL: 'http://host.docker.internal:8080',
        OFREP_ENDPOINT: 'http://host.docker.internal:7070',
        OPENFEATURE_OFREP_ENDPOINT: 'http://host.docker.internal:7070',
      },
      extraHost: 'host.docker.internal:172.17.0.1',
    });
  });

  it('is null when nothing points at the host loopback', () => {
    expect(containerHostAccess({ OFREP_ENDPOINT: 'https://flags.example.com' }, '172.17.0.1')).toBeNull();
    expect(containerHostAccess({}, '172.17.0.1')).toBeNull();
  });
});
