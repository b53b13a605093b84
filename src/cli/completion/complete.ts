/**
 * What the shell offers after `skiff …`: the commands, flags and argument values that fit the
 * words typed so far. Pure: the program outline and the names of the current spec come in.
 */
import type { CommandOutline, OptionOutline } from '../reference/program-outline.js';

export interface SpecNames {
  readonly services: readonly string[];
  readonly environments: readonly string[];
}

/** `words`: what follows `skiff` on the command line, the word being completed last (maybe empty). */
export function completeWords(program: CommandOutline, words: readonly string[], names: SpecNames): string[] {
  const typed = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  let command = program;
  let positionals = 0;
  let pendingOption: OptionOutline | undefined;
  for (const word of typed) {
    if (pendingOption) {
      pendingOption = undefined;
      continue;
    }
    if (word.startsWith('-')) {
      const option = findOption(command, word);
      if (option?.takesValue && !word.includes('=')) pendingOption = option;
      continue;
    }
    const sub = command.commands.find((candidate) => candidate.name === word);
    if (sub && positionals === 0) command = sub;
    else positionals += 1;
  }
  const offer = (candidates: readonly string[]): string[] => candidates.filter((candidate) => candidate.startsWith(current));
  if (pendingOption) return offer(optionValues(pendingOption, names));
  if (current.startsWith('-')) return offer(command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => flag !== undefined)));
  if (command.commands.length > 0 && positionals === 0) return offer(command.commands.map((sub) => sub.name));
  const argument = command.arguments[Math.min(positionals, command.arguments.length - 1)];
  if (argument === undefined || (positionals >= command.arguments.length && !argument.variadic)) return [];
  return offer(argument.choices ?? argumentValues(argument.name, names));
}

function findOption(command: CommandOutline, word: string): OptionOutline | undefined {
  const flag = word.split('=')[0];
  return command.options.find((option) => option.long === flag || option.short === flag);
}

function optionValues(option: OptionOutline, names: SpecNames): readonly string[] {
  if (option.choices) return option.choices;
  if (option.long === '--env') return names.environments;
  if (option.long === '--service') return names.services;
  return [];
}

/** By the argument's name in the definitions: `<service>`, `<env>`, `<from> <to>`, `<service=count...>`. */
function argumentValues(name: string, names: SpecNames): readonly string[] {
  if (name === 'service=count') return names.services.map((service) => `${service}=`);
  if (name === 'service' || name === 'services') return names.services;
  if (name === 'env' || name === 'environment' || name === 'from' || name === 'to') return names.environments;
  return [];
}
