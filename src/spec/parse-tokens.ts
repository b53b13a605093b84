/**
 * The first, bounded stage of parsing: lexes the text into yaml's concrete syntax tree while
 * checking the size, nesting, node and alias limits, so that nothing past a limit is composed.
 * Iterative throughout: a deeply nested file cannot exhaust the call stack here.
 */
import { Lexer, Parser, type CST, type LineCounter } from 'yaml';
import { specLimits, type LimitBreach, type SpecLimit } from './parse-limits.js';

export type TokenRead = { readonly ok: true; readonly tokens: readonly CST.Token[] } | { readonly ok: false; readonly breach: LimitBreach };

function breach(limit: SpecLimit, offset: number): TokenRead {
  return { ok: false, breach: { limit, offset } };
}

/** The offset of the first character past `limit` bytes of UTF-8, or -1 when the text fits. */
function offsetPastBytes(text: string, limit: number): number {
  if (text.length * 3 <= limit) return -1;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A surrogate pair is 4 bytes in UTF-8: 2 counted for each half.
    bytes += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 2 : 3;
    if (bytes > limit) return i;
  }
  return -1;
}

export function readTokens(text: string, lineCounter: LineCounter): TokenRead {
  // Parser.parse() records the first line itself; next() does not.
  lineCounter.addNewLine(0);
  const pastBytes = offsetPastBytes(text, specLimits.bytes);
  if (pastBytes >= 0) {
    // Nothing was lexed: count the lines before the offset so the error can name its place.
    for (let i = text.indexOf('\n'); i !== -1 && i < pastBytes; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    return breach('bytes', pastBytes);
  }
  const parser = new Parser(lineCounter.addNewLine);
  const tokens: CST.Token[] = [];
  // yaml's parser slows down with every open flow collection, so nesting of [ and { is bounded
  // while lexing, before the parser sees it; block nesting costs indentation and is checked below.
  let flowDepth = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (lexeme === '[' || lexeme === '{') {
      if (++flowDepth > specLimits.nesting) return breach('nesting', parser.offset);
    } else if (lexeme === ']' || lexeme === '}') {
      flowDepth = Math.max(0, flowDepth - 1);
    }
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  const over = checkTree(tokens);
  return over ?? { ok: true, tokens };
}

/** Counts nodes, aliases and nesting over the tree, without recursion. */
function checkTree(tokens: readonly CST.Token[]): TokenRead | undefined {
  // Children are pushed last-first, so they are counted in the order they are written and a
  // limit is reported where it was crossed in reading order.
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 })).reverse();
  let nodes = 0;
  let aliases = 0;
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { token, depth } = entry;
    switch (token.type) {
      case 'document':
        if (token.value) stack.push({ token: token.value, depth });
        continue;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > specLimits.nesting) return breach('nesting', token.offset);
        if (++nodes > specLimits.nodes) return breach('nodes', token.offset);
        for (let i = token.items.length - 1; i >= 0; i--) {
          const item = token.items[i] as CST.CollectionItem;
          if (item.value) stack.push({ token: item.value, depth: depth + 1 });
          if (item.key) stack.push({ token: item.key, depth: depth + 1 });
        }
        continue;
      }
      case 'alias':
        if (++aliases > specLimits.aliases) return breach('aliases', token.offset);
        if (++nodes > specLimits.nodes) return breach('nodes', token.offset);
        continue;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        if (++nodes > specLimits.nodes) return breach('nodes', token.offset);
        continue;
      default:
        continue;
    }
  }
  return undefined;
}
