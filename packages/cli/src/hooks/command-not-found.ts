import { toConfiguredId, type Hook } from '@oclif/core';
import askDidYouMean from '@oclif/plugin-not-found';
import { closestCommand } from '../closest-command.js';

/** An error already printed; oclif only sets the exit code (127, as a shell does for an unknown command). */
class UnknownCommandError extends Error {
  readonly skipOclifErrorHandling = true;
  readonly oclif = { exit: 127 };
}

/**
 * An unknown command. In a terminal, `@oclif/plugin-not-found` asks "Did you mean ...?" and runs
 * the suggestion when the user agrees. Elsewhere (scripts, CI, pipes) it cannot ask, so the
 * suggestion is written as one error line: `Error: "keys simlarity" is not an attrib command; did
 * you mean "keys similarity"? ...`, exit code 127.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  if (process.stdin.isTTY && process.stderr.isTTY) return askDidYouMean.call(this, options);
  const { config } = options;
  const visible = config.commands.filter((command) => !command.hidden);
  const suggestion = closestCommand(options.id, visible.flatMap((command) => [command.id, ...command.aliases]));
  const typed = toConfiguredId(suggestion?.typed ?? options.id, config);
  const didYouMean = suggestion === undefined ? '' : `; did you mean "${toConfiguredId(suggestion.id, config)}"?`;
  const message = `"${typed}" is not an ${config.bin} command${didYouMean} (\`${config.bin} help\` lists the commands)`;
  process.stderr.write(`Error: ${message}\n`);
  throw new UnknownCommandError(message);
};

export default hook;
