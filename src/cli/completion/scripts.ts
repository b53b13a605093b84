/**
 * The scripts `skiff completion SHELL` prints. Each asks `skiff __complete -- WORDS…` (the words
 * after `skiff`, the one being completed last) and offers the lines it prints; where it prints
 * nothing (a file argument), the shell completes file names.
 */
export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

const scripts: Record<CompletionShell, string> = {
  bash: `# skiff completion for bash: add to ~/.bashrc
#   source <(skiff completion bash)
_skiff() {
  local IFS=$'\\n'
  COMPREPLY=($(skiff __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  # "catalog=" waits for the count: no space after it.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]]; then compopt -o nospace 2>/dev/null || :; fi
}
complete -o default -F _skiff skiff
`,
  zsh: `#compdef skiff
# skiff completion for zsh: add to ~/.zshrc (after compinit)
#   source <(skiff completion zsh)
_skiff() {
  local -a candidates
  candidates=("\${(@f)$(skiff __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then
    compadd -S '' -- "\${(@M)candidates:#*=}"
    compadd -- "\${(@)candidates:#*=}"
  else
    _files
  fi
}
compdef _skiff skiff
`,
  fish: `# skiff completion for fish: save as ~/.config/fish/completions/skiff.fish
#   skiff completion fish > ~/.config/fish/completions/skiff.fish
function __skiff_complete
    set -l words (commandline -opc) (commandline -ct)
    skiff __complete -- $words[2..-1] 2>/dev/null
end
complete -c skiff -a '(__skiff_complete)'
`,
};

export function completionScript(shell: CompletionShell): string {
  return scripts[shell];
}
