/**
 * The `skiff` program as plain data, read from the commander definitions: what docs/cli.md and
 * shell completion are made of, so every command another change registers appears in both.
 */
import type { Command } from 'commander';

export interface ArgumentOutline {
  readonly name: string;
  readonly required: boolean;
  readonly variadic: boolean;
  readonly description: string;
  readonly default?: string;
  readonly choices?: readonly string[];
}

export interface OptionOutline {
  /** As written in the definition, e.g. `-e, --env <name>`. */
  readonly flags: string;
  readonly long?: string;
  readonly short?: string;
  readonly takesValue: boolean;
  readonly description: string;
  readonly default?: string;
  readonly choices?: readonly string[];
}

export interface CommandOutline {
  readonly name: string;
  /** The full command line up to this command, e.g. `skiff pipeline run`. */
  readonly path: string;
  readonly description: string;
  readonly arguments: readonly ArgumentOutline[];
  readonly options: readonly OptionOutline[];
  readonly commands: readonly CommandOutline[];
}

/** Hidden commands (the ones completion scripts call) are left out, as in `skiff help`. */
export function outlineProgram(command: Command, parentPath = ''): CommandOutline {
  const help = command.createHelp();
  const path = parentPath === '' ? command.name() : `${parentPath} ${command.name()}`;
  return {
    name: command.name(),
    path,
    description: command.description(),
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.name(),
      required: argument.required,
      variadic: argument.variadic,
      description: argument.description,
      ...defaultOf(argument.defaultValue),
      ...(argument.argChoices ? { choices: argument.argChoices } : {}),
    })),
    options: help
      .visibleOptions(command)
      .filter((option) => option.long !== '--help')
      .map((option) => ({
        flags: option.flags,
        ...(option.long ? { long: option.long } : {}),
        ...(option.short ? { short: option.short } : {}),
        takesValue: option.required || option.optional,
        description: option.description,
        ...defaultOf(option.defaultValue),
        ...(option.argChoices ? { choices: option.argChoices } : {}),
      })),
    commands: help
      .visibleCommands(command)
      .filter((sub) => sub.name() !== 'help')
      .map((sub) => outlineProgram(sub, path)),
  };
}

function defaultOf(value: unknown): { default?: string } {
  if (value === undefined || value === false) return {};
  return { default: Array.isArray(value) ? value.join(' ') : String(value) };
}

/** Every command of the tree, depth first, the root included. */
export function allCommands(outline: CommandOutline): CommandOutline[] {
  return [outline, ...outline.commands.flatMap(allCommands)];
}
