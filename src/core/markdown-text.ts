/** Pieces of the generated Markdown references (docs/cli.md, docs/skiff-yaml.md). */

/** Inline code, with a longer fence when the text holds a backtick. */
export function markdownCode(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** One row of a GitHub table: pipes inside cells escaped, unless already escaped. */
export function markdownRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replace(/(?<!\\)\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
}

/** A description as a sentence: capitalised, with a final full stop. */
export function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
