import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { snapshot } from '../run-fixture.js';

/** The CLI package folder (holds package.json with the oclif settings). */
export const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../cli');

export interface CommandOutcome<R> {
  readonly stdout: string;
  readonly stderr: string;
  /** What run() returned (the --json data), if it succeeded. */
  readonly result?: R;
  /** What the command threw, if it failed. */
  readonly error?: Error;
}

/**
 * Runs a command class in this process with `argv`, capturing what it writes to stdout and
 * stderr. oclif is loaded with the CLI's package.json minus command discovery, so no other
 * command module is imported (the test imports the one it drives), and without the plugins the
 * user installed or linked (`attrib plugins`), so that the machine's attrib setup plays no part.
 */
export async function runCommand<R>(command: { run(argv: string[], opts: unknown): Promise<unknown> }, argv: string[]): Promise<CommandOutcome<R>> {
  const pjson = JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8'));
  const { commands: _commands, ...oclif } = pjson.oclif;
  let stdout = '';
  let stderr = '';
  const originalOut = process.stdout.write;
  const originalErr = process.stderr.write;
  const exitCode = process.exitCode;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += chunk.toString(); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; }) as typeof process.stderr.write;
  try {
    const result = (await command.run(argv, { root: CLI_ROOT, pjson: { ...pjson, oclif }, userPlugins: false })) as R;
    return { stdout, stderr, result };
  } catch (error) {
    return { stdout, stderr, error: error as Error };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.exitCode = exitCode;
  }
}

/**
 * Runs a command that must fail, printing exactly `Error: <message>` as one line on stderr, and
 * checks that nothing under `dir` changed.
 */
export async function expectCommandFailsUnchanged(
  dir: string, command: Parameters<typeof runCommand>[0], argv: string[], message: RegExp,
): Promise<void> {
  const before = await snapshot(dir);
  const outcome = await runCommand(command, argv);
  expect(outcome.error).toBeDefined();
  expect(outcome.stderr).toMatch(new RegExp(`^Error: ${message.source}\\n$`));
  expect(await snapshot(dir)).toEqual(before);
}
