import { describe, expect, it } from 'vitest';
import { expandReferences } from './controllers/pod-sandbox.js';

describe('expandReferences', () => {
  it('expands $(VAR) from the container environment as the kubelet does', () => {
    const env = ['POD_IP=127.1.2.3', 'NS=shop'];
    expect(expandReferences(['--listen-host', '$(POD_IP)', '$(POD_IP):8081', '--kube-namespace', '$(NS)'], env)).toEqual(['--listen-host', '127.1.2.3', '127.1.2.3:8081', '--kube-namespace', 'shop']);
    // An unknown name stays as written; `$$` escapes a reference.
    expect(expandReferences(['$(MISSING)', '$$(POD_IP)', 'a=b$'], env)).toEqual(['$(MISSING)', '$(POD_IP)', 'a=b$']);
  });
});
