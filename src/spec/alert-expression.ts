/**
 * The condition of an alert rule, e.g. `errorRate(web) > 5%`, `p99(web, 5m) > 500ms`,
 * `ready(web) < desired(web)`, `restarts(web, 10m) > 3`, `jobFailed(nightly-report) > 0` (1 while the
 * job's last run in the environment failed, 0 once one succeeds), `certificateDaysLeft() < 14` (days until
 * the first of the environment's certificates expires). A small hand-written parser whose errors name the
 * column in the expression.
 */
import { parseDuration } from '../core/units.js';

export const alertFunctions = ['errorRate', 'rps', 'p50', 'p90', 'p95', 'p99', 'ready', 'desired', 'restarts', 'jobFailed', 'certificateDaysLeft'] as const;
export type AlertFunction = (typeof alertFunctions)[number];

/** What a function's value measures, so a literal's unit can be checked against it. */
export type AlertQuantity = 'ratio' | 'seconds' | 'perSecond' | 'count' | 'days';

export const alertQuantity: Readonly<Record<AlertFunction, AlertQuantity>> = {
  errorRate: 'ratio',
  rps: 'perSecond',
  p50: 'seconds',
  p90: 'seconds',
  p95: 'seconds',
  p99: 'seconds',
  ready: 'count',
  desired: 'count',
  restarts: 'count',
  jobFailed: 'count',
  certificateDaysLeft: 'days',
};

/** Functions of the whole environment, written with empty parentheses. */
const environmentFunctions: ReadonlySet<AlertFunction> = new Set(['certificateDaysLeft']);

/** Functions over traffic or restarts look back over a window; this is it when none is written. */
export const defaultWindowMs: Readonly<Record<AlertFunction, number | null>> = {
  errorRate: 60_000,
  rps: 60_000,
  p50: 60_000,
  p90: 60_000,
  p95: 60_000,
  p99: 60_000,
  ready: null,
  desired: null,
  restarts: 600_000,
  jobFailed: null,
  certificateDaysLeft: null,
};

export type AlertOperand =
  /** `service` is the job's name for `jobFailed`, empty for `certificateDaysLeft` (it covers the environment). */
  | { readonly kind: 'call'; readonly fn: AlertFunction; readonly service: string; readonly windowMs: number | null }
  /** `value` is in the quantity's unit: a ratio for `5%`, seconds for `500ms`. */
  | { readonly kind: 'number'; readonly value: number; readonly unit: 'percent' | 'duration' | 'none' };

export const comparisons = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparison = (typeof comparisons)[number];

export interface AlertExpression {
  readonly left: AlertOperand;
  readonly op: Comparison;
  readonly right: AlertOperand;
}

export interface AlertExpressionError {
  /** 1-based column in the expression. */
  readonly column: number;
  readonly message: string;
}

export type AlertExpressionResult =
  | { readonly ok: true; readonly expression: AlertExpression }
  | { readonly ok: false; readonly error: AlertExpressionError };

class ExpressionError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'op'; readonly text: string; readonly at: number }
  | { readonly kind: 'punct'; readonly text: '(' | ')' | ','; readonly at: number }
  | { readonly kind: 'end'; readonly text: ''; readonly at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const ident = /^[a-zA-Z][a-zA-Z0-9_-]*/.exec(rest);
    const number = /^\d+(?:\.\d+)?(?:ms|s|m|h|%)?/.exec(rest);
    const op = /^(>=|<=|==|!=|>|<)/.exec(rest);
    if (number) tokens.push({ kind: 'number', text: number[0], at: i });
    else if (ident) tokens.push({ kind: 'ident', text: ident[0], at: i });
    else if (op) tokens.push({ kind: 'op', text: op[0], at: i });
    else if (c === '(' || c === ')' || c === ',') tokens.push({ kind: 'punct', text: c, at: i });
    else throw new ExpressionError(i + 1, `unexpected "${c}"`);
    i += (number ?? ident ?? op)?.[0].length ?? 1;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(token: Token, expected: string): never {
    const found = token.kind === 'end' ? 'the end' : `"${token.text}"`;
    throw new ExpressionError(token.at + 1, `expected ${expected}, found ${found}`);
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) this.fail(token, `"${text}"`);
  }

  expression(): AlertExpression {
    const left = this.operand();
    const opToken = this.next();
    if (opToken.kind !== 'op') this.fail(opToken, `a comparison (${comparisons.join(' ')})`);
    const right = this.operand();
    const end = this.peek();
    if (end.kind !== 'end') this.fail(end, 'the end of the expression');
    const expression = { left, op: opToken.text as Comparison, right };
    checkUnits(expression, opToken.at + 1);
    return expression;
  }

  private operand(): AlertOperand {
    const token = this.next();
    if (token.kind === 'number') return literal(token.text);
    if (token.kind !== 'ident') this.fail(token, `a number or a function (${alertFunctions.join(', ')})`);
    const fn = alertFunctions.find((name) => name === token.text);
    if (!fn) {
      throw new ExpressionError(token.at + 1, `unknown function "${token.text}"; known: ${alertFunctions.join(', ')}`);
    }
    this.expect('(');
    if (environmentFunctions.has(fn)) {
      this.expect(')');
      return { kind: 'call', fn, service: '', windowMs: null };
    }
    const service = this.next();
    if (service.kind !== 'ident') this.fail(service, fn === 'jobFailed' ? 'a job name' : 'a service name');
    let windowMs: number | null = defaultWindowMs[fn];
    if (this.peek().text === ',') {
      this.next();
      const window = this.next();
      const ms = window.kind === 'number' ? parseDuration(window.text) : undefined;
      if (ms === undefined || ms <= 0) this.fail(window, 'a window such as 5m');
      if (windowMs === null) throw new ExpressionError(window.at + 1, `${fn}() takes no window: it is the current count`);
      windowMs = ms;
    }
    this.expect(')');
    return { kind: 'call', fn, service: service.text, windowMs };
  }
}

function literal(text: string): AlertOperand {
  if (text.endsWith('%')) return { kind: 'number', value: Number(text.slice(0, -1)) / 100, unit: 'percent' };
  const ms = /[a-z]$/.test(text) ? parseDuration(text) : undefined;
  if (ms !== undefined) return { kind: 'number', value: ms / 1000, unit: 'duration' };
  return { kind: 'number', value: Number(text), unit: 'none' };
}

function quantityOf(operand: AlertOperand): AlertQuantity | null {
  return operand.kind === 'call' ? alertQuantity[operand.fn] : null;
}

/** A percentage compares with a ratio, a duration with a latency; a bare number with anything. */
function checkUnits(expression: AlertExpression, column: number): void {
  const { left, right } = expression;
  if (left.kind === 'number' && right.kind === 'number') throw new ExpressionError(1, 'compare a function of a service, e.g. ready(web) < 2');
  const quantity = quantityOf(left) ?? quantityOf(right);
  for (const side of [left, right]) {
    if (side.kind === 'call' && alertQuantity[side.fn] !== quantity) {
      throw new ExpressionError(column, `cannot compare ${quantity} with ${alertQuantity[side.fn]} (${side.fn})`);
    }
    if (side.kind !== 'number') continue;
    if (side.unit === 'percent' && quantity !== 'ratio') throw new ExpressionError(column, `a percentage compares with errorRate(), not a ${quantity}`);
    if (side.unit === 'duration' && quantity !== 'seconds') throw new ExpressionError(column, `a duration compares with p50/p90/p95/p99(), not a ${quantity}`);
  }
}

export function parseAlertExpression(text: string): AlertExpressionResult {
  try {
    return { ok: true, expression: new Parser(tokenize(text)).expression() };
  } catch (error) {
    if (error instanceof ExpressionError) return { ok: false, error: { column: error.column, message: error.message } };
    throw error;
  }
}

/** The services an expression names (to check them against the spec). */
export function expressionServices(expression: AlertExpression): string[] {
  return [expression.left, expression.right].flatMap((side) =>
    side.kind === 'call' && side.fn !== 'jobFailed' && !environmentFunctions.has(side.fn) ? [side.service] : [],
  );
}

/** The jobs an expression names (`jobFailed(name)`). */
export function expressionJobs(expression: AlertExpression): string[] {
  return [expression.left, expression.right].flatMap((side) => (side.kind === 'call' && side.fn === 'jobFailed' ? [side.service] : []));
}

/** Whether the expression measures the environment's certificates (`certificateDaysLeft()`). */
export function watchesCertificates(expression: AlertExpression): boolean {
  return [expression.left, expression.right].some((side) => side.kind === 'call' && side.fn === 'certificateDaysLeft');
}
