import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI_ROOT } from './run-command.js';

const run = promisify(execFile);

/** What a run of the CLI printed, and its exit code. */
export interface DevRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs bin/dev.js (the CLI from TypeScript source) in a child process, as a user would: from
 * `cwd`, with stdin not a terminal, and `env` added to this process's environment.
 */
export async function attribDev(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<DevRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(CLI_ROOT, 'bin/dev.js'), ...args], { cwd, env: { ...process.env, NODE_ENV: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * Environment variables that give the CLI fresh data, cache and config folders under `dir`: oclif
 * keeps installed and linked plugins in the data folder, so a test never sees (or changes) the
 * user's own.
 */
export function isolatedAttribEnv(dir: string): Record<string, string> {
  return { ATTRIB_DATA_DIR: join(dir, 'data'), ATTRIB_CACHE_DIR: join(dir, 'cache'), ATTRIB_CONFIG_DIR: join(dir, 'config') };
}
