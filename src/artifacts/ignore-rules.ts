/**
 * `.skiffignore`: gitignore-like patterns deciding which files of a context are left out of the
 * build copy. The last matching pattern wins, `!` re-includes, a trailing `/` matches directories
 * only, a pattern with an inner `/` is anchored to the context root, `**` spans directories.
 * As in git, a file inside an excluded directory cannot be re-included: the walk never enters it.
 */

export interface IgnoreRule {
  readonly pattern: string;
  readonly negate: boolean;
  readonly directoryOnly: boolean;
  readonly regex: RegExp;
}

export interface IgnoreRules {
  /** `path` is relative to the context root, with `/` separators and no trailing slash. */
  ignores(path: string, isDirectory: boolean): boolean;
  readonly rules: readonly IgnoreRule[];
}

/** Always left out, whatever the file says: version-control metadata is never part of an artifact. */
const builtIn = ['.git/'];

export function parseIgnoreRules(text: string): IgnoreRules {
  const rules: IgnoreRule[] = [];
  for (const line of [...builtIn, ...text.split(/\r?\n/)]) {
    const rule = parseLine(line);
    if (rule) rules.push(rule);
  }
  // `.git/` may not be re-included by a later `!.git/`.
  const gitRule = rules[0] as IgnoreRule;
  return {
    rules,
    ignores(path, isDirectory) {
      if (isDirectory && gitRule.regex.test(path)) return true;
      let ignored = false;
      for (const rule of rules) {
        if (rule.directoryOnly && !isDirectory) continue;
        if (rule.regex.test(path)) ignored = !rule.negate;
      }
      return ignored;
    },
  };
}

function parseLine(raw: string): IgnoreRule | null {
  let line = trimTrailingSpaces(raw);
  if (line === '' || line.startsWith('#')) return null;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let directoryOnly = false;
  if (line.endsWith('/')) {
    directoryOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (line === '') return null;
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  const body = compileSegments(line.split('/'));
  const regex = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`, 'u');
  return { pattern: raw.trim(), negate, directoryOnly, regex };
}

function trimTrailingSpaces(line: string): string {
  // A trailing space escaped with a backslash is kept, as in gitignore.
  const match = /^(.*?)((?:\\ )?)\s*$/u.exec(line);
  return match ? `${match[1] ?? ''}${match[2] ? ' ' : ''}` : line;
}

function compileSegments(segments: readonly string[]): string {
  let out = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      out += last ? '.*' : '(?:[^/]+/)*';
    } else {
      out += compileGlob(segment) + (last ? '' : '/');
    }
  });
  return out;
}

function compileGlob(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[++i] as string);
    } else if (char === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else {
      out += escapeRegex(char);
    }
  }
  return out;
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}
