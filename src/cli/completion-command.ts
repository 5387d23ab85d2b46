// `trust-mesh completion bash|zsh`: a shell completion script made from the commands and options themselves,
// so it cannot drift from them. Install: `source <(trust-mesh completion bash)` in ~/.bashrc.
import type { Command } from 'commander';
import type { CliContext } from './main.js';

const words = (command: Command) => [
  ...command.commands.map((sub) => sub.name()),
  ...command.options.map((option) => option.long).filter((flag): flag is string => flag !== undefined),
  '--help',
];

/** `path words…` lines for every command, nested ones as `network create`. */
function table(command: Command, path: string[] = []): Array<[string, string[]]> {
  return [
    [path.join(' '), words(command)],
    ...command.commands.flatMap((sub) => table(sub, [...path, sub.name()])),
  ];
}

export function bashCompletion(program: Command): string {
  const cases = table(program)
    .map(([path, list]) => `    "${path}") candidates="${list.join(' ')}" ;;`)
    .join('\n');
  return `# trust-mesh bash completion (made by \`trust-mesh completion bash\`)
_trust_mesh() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word candidates=""
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) case " $(_trust_mesh_words "$path") " in *" $word "*) path="\${path:+$path }$word" ;; esac ;; esac
  done
  candidates="$(_trust_mesh_words "$path")"
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
_trust_mesh_words() {
  local candidates=""
  case "$1" in
${cases}
  esac
  echo "$candidates"
}
complete -o default -F _trust_mesh trust-mesh
`;
}

export function registerCompletionCommand(program: Command, context: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(trust-mesh completion bash)')
    .argument('[shell]', 'bash, or zsh (through bashcompinit)', 'bash')
    .action(async (shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') {
        context.err(`trust-mesh completion: ${shell} is not supported (bash, zsh)`);
        context.exitCode = 1;
        return;
      }
      // Every command's options, not only this one's: the whole program is loaded for the script.
      const { buildProgram } = await import('./main.js');
      const full = await buildProgram(context, ['node', 'trust-mesh']);
      const prefix = shell === 'zsh' ? 'autoload -U +X bashcompinit && bashcompinit\n' : '';
      context.out(prefix + bashCompletion(full).trimEnd());
    });
}
