import { describe, expect, it } from 'vitest';
import { artifactDockerfile } from './artifact-image.js';
import { artifactTag, imageRepository, pinnedImage, registryLocation } from './image-names.js';

describe('image names', () => {
  it('names the repository as export does, and tags by the short artifact digest', () => {
    expect(imageRepository('127.0.0.1:5000/skiff/', 'catalog')).toBe('127.0.0.1:5000/skiff/catalog');
    expect(artifactTag(`sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
    expect(pinnedImage('ghcr.io/acme/catalog', `sha256:${'0'.repeat(64)}`)).toBe(`ghcr.io/acme/catalog@sha256:${'0'.repeat(64)}`);
  });

  it('refuses a service name a registry cannot take', () => {
    expect(() => imageRepository('127.0.0.1:5000/skiff', 'Catalog')).toThrow(expect.objectContaining({ code: 'SKIFF_BAD_REQUEST', path: 'services.Catalog' }));
    expect(() => imageRepository('127.0.0.1:5000/skiff', '-catalog')).toThrow(expect.objectContaining({ code: 'SKIFF_BAD_REQUEST' }));
    expect(imageRepository('127.0.0.1:5000/skiff', 'web.v2_api')).toBe('127.0.0.1:5000/skiff/web.v2_api');
  });

  it('talks plain HTTP to loopback registries only, as the engine does', () => {
    expect(registryLocation('127.0.0.1:5000/skiff/catalog')).toEqual({ baseUrl: 'http://127.0.0.1:5000', name: 'skiff/catalog' });
    expect(registryLocation('localhost:5000/catalog')).toEqual({ baseUrl: 'http://localhost:5000', name: 'catalog' });
    expect(registryLocation('ghcr.io/acme/catalog')).toEqual({ baseUrl: 'https://ghcr.io', name: 'acme/catalog' });
    expect(registryLocation('127.example.com/catalog').baseUrl).toBe('https://127.example.com');
  });

  it('writes the start command in exec form, with no shell', () => {
    expect(artifactDockerfile('sha256:base', ['node', 'server.mjs', "it's \"quoted\""])).toBe(
      'FROM sha256:base\nADD artifact.tar /app/\nWORKDIR /app\nCMD ["node","server.mjs","it\'s \\"quoted\\""]\n',
    );
  });
});
