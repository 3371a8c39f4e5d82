// The CLI's commands as oclif itself sees them, read from the TypeScript sources with no build:
// oclif's Config loads packages/cli/src/commands the way bin/dev.js does (tsx compiles, the
// "source" export condition resolves workspace packages to src/), and each command's static
// metadata (id, summary, args, flags with their help groups) comes from its class.
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandInfo } from './command-table.js';

const CLI_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMANDS_DIR = join(CLI_ROOT, 'src/commands');

let hooksRegistered = false;

/** Lets Node's own loader (which oclif uses) import TypeScript and resolve workspace packages to src/. */
async function registerSourceHooks(): Promise<void> {
  if (hooksRegistered) return;
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  register('../../bin/source-condition.mjs', import.meta.url);
  hooksRegistered = true;
}

/** The command source files (not tests) under src/commands, as paths relative to it. */
export function commandFiles(dir = COMMANDS_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => relative(dir, join(dir, file)))
    .sort();
}

/** Every command's metadata, sorted by id (topics separated by spaces, as users type them). */
export async function loadCommands(): Promise<CommandInfo[]> {
  await registerSourceHooks();
  const { Config, settings } = await import('@oclif/core');
  settings.enableAutoTranspile = false;
  const pjson = JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8'));
  pjson.oclif = { ...pjson.oclif, commands: './src/commands' };
  // attrib's own commands only: not those of the oclif plugins it bundles (help, plugins,
  // autocomplete) nor any the user installed or linked.
  const config = await Config.load({ root: CLI_ROOT, pjson, userPlugins: false, devPlugins: false });
  const own = config.commands.filter((command) => command.pluginName === pjson.name);
  const files = commandFiles();
  // oclif skips a command file it cannot import (with a debug line only): a short table must not pass unnoticed.
  if (own.length !== files.length) {
    const loaded = new Set(own.map((command) => command.id.replaceAll(':', '/')));
    const missing = files.filter((file) => !loaded.has(file.replace(/\.ts$/, '')));
    throw new Error(`oclif loaded ${own.length} of the ${files.length} command files in ${COMMANDS_DIR}; not loaded: ${missing.join(', ')} (run \`DEBUG=* node packages/cli/bin/dev.js --help\` to see why)`);
  }
  return own
    .map((command) => ({
      id: command.id.split(':').join(' '),
      summary: command.summary ?? command.description?.split('\n')[0] ?? '',
      args: Object.values(command.args ?? {}).map((arg) => ({ name: arg.name, required: Boolean(arg.required) })),
      variadic: command.strict === false,
      flags: Object.values(command.flags ?? {})
        .filter((flag) => !flag.hidden)
        .map((flag) => ({ name: flag.name, group: flag.helpGroup, boolean: flag.type === 'boolean' })),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
