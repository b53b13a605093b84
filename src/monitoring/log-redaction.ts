/**
 * Secret values in log lines. A service may print one of its secrets; lines are shown with each
 * value replaced, and every filter (grep) runs on the redacted text, so a viewer cannot probe for
 * a secret one guessed substring at a time. A value too short or too plain to tell apart from
 * ordinary text (`debug`, `1234`) is not redacted, since that would mangle every line containing
 * it; setting such a secret answers with a warning instead.
 */

export const redactedText = '[redacted]';
/** Shorter values are not redacted. */
export const minRedactedLength = 8;
/** Values with fewer different characters (`aaaaaaaa`, `12121212`) are not redacted. */
export const minRedactedDistinct = 4;

export function isRedactable(value: string): boolean {
  return value.length >= minRedactedLength && new Set(value).size >= minRedactedDistinct;
}

/** One warning per secret that logs will show as is, naming the secret (never the value). */
export function unredactableWarnings(values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values)
    .filter(([, value]) => !isRedactable(value))
    .map(
      ([name]) =>
        `${name} is shorter than ${minRedactedLength} characters or has fewer than ${minRedactedDistinct} different ones: ` +
        'logs will not redact it (it would mangle ordinary text); use a longer, random value',
    );
}

/** Replaces every redactable value in a line; longer values first, so one containing another is replaced whole. */
export function createRedactor(values: readonly string[]): (line: string) => string {
  const redacted = [...new Set(values.filter(isRedactable))].sort((a, b) => b.length - a.length);
  if (redacted.length === 0) return (line) => line;
  return (line) => redacted.reduce((text, value) => text.split(value).join(redactedText), line);
}

export interface RedactedView {
  readonly redact: (line: string) => string;
  readonly grep?: string | undefined;
  /** At most this many lines, the newest (after filtering). */
  readonly tail?: number | undefined;
}

/** Redacts each line, then keeps those containing `grep`, then the last `tail`: the filter never sees a secret. */
export function redactThenFilter<T extends { readonly line: string }>(lines: readonly T[], view: RedactedView): T[] {
  const { grep, tail } = view;
  const shown = lines.map((entry) => ({ ...entry, line: view.redact(entry.line) }));
  const kept = grep === undefined ? shown : shown.filter((entry) => entry.line.includes(grep));
  return tail === undefined ? kept : kept.slice(Math.max(0, kept.length - tail));
}
