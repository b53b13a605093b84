import { describe, expect, it } from 'vitest';
import { pushNamesRepository, pushedRepositories, repositoryKey } from './push-repository.js';

describe('push repository', () => {
  it('reads the URLs GitHub, Gitea and GitLab put in a push event', () => {
    const github = Buffer.from(JSON.stringify({ repository: { clone_url: 'https://github.com/acme/shop.git', ssh_url: 'git@github.com:acme/shop.git', private: true } }));
    expect(pushedRepositories(github)).toEqual(['https://github.com/acme/shop.git', 'git@github.com:acme/shop.git']);
    const gitlab = Buffer.from(JSON.stringify({ project: { git_http_url: 'https://gitlab.example/acme/shop.git' } }));
    expect(pushedRepositories(gitlab)).toEqual(['https://gitlab.example/acme/shop.git']);
    expect(pushedRepositories(Buffer.from('not json'))).toEqual([]);
    expect(pushedRepositories(Buffer.from('{"ref":"refs/heads/main"}'))).toEqual([]);
  });

  it('matches the https, ssh and scp-like addresses of one repository, not another', () => {
    expect(repositoryKey('https://user:token@GitHub.com:443/acme/shop.git/')).toBe('github.com/acme/shop');
    expect(repositoryKey('ssh://git@github.com/acme/shop.git')).toBe('github.com/acme/shop');
    expect(repositoryKey('git@github.com:acme/shop.git')).toBe('github.com/acme/shop');
    expect(repositoryKey('/srv/git/shop.git')).toBe('/srv/git/shop');
    expect(pushNamesRepository(['git@github.com:acme/shop.git'], 'https://github.com/acme/shop')).toBe(true);
    expect(pushNamesRepository(['https://github.com/acme/other.git'], 'https://github.com/acme/shop')).toBe(false);
    expect(pushNamesRepository([], 'https://github.com/acme/shop')).toBe(true);
  });
});
