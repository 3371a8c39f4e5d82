// `pnpm readme`: writes the table of commands into README.md between its marker comments, from
// the commands' own metadata. `pnpm readme --check` only compares and exits 1 when they differ
// (packages/cli/test/readme-commands.test.ts makes the same check in the test suite).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandTable, withTable, type CommandInfo } from './readme/command-table.js';
import { loadCommands } from './readme/load-commands.js';

export const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** README.md as it should be, and as it is. */
export async function readmeWithCommands(path = README): Promise<{ expected: string; actual: string; commands: CommandInfo[] }> {
  const actual = readFileSync(path, 'utf8');
  const commands = await loadCommands();
  return { expected: withTable(actual, commandTable(commands), path), actual, commands };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const { expected, actual } = await readmeWithCommands();
  if (expected === actual) {
    console.log(`${README}: the command table is up to date`);
  } else if (check) {
    console.error(`${README}: the command table differs from the commands' metadata; run \`npx pnpm@12.4.2 readme\``);
    process.exitCode = 1;
  } else {
    writeFileSync(README, expected);
    console.log(`${README}: command table written`);
  }
}
