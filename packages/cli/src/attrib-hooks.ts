import { toConfiguredId, type Config, type Hook, type Interfaces } from '@oclif/core';
import { oneLineMessage } from './one-line.js';

/**
 * The hook events attrib itself fires, besides oclif's own (`init`, `prerun`, `postrun`,
 * `command_not_found`, ...). A plugin listens by naming a module in its package.json:
 * `"oclif": { "hooks": { "attrib:run-finished": "./src/hooks/run-finished.js" } }`.
 */
export const ATTRIB_HOOKS = {
  /** A command finished its work on a run folder; see {@link RunFinishedOptions}. */
  runFinished: 'attrib:run-finished',
} as const;

/** What the work on a run was: which stage trained, or that an evaluation was written. */
export type RunStage = 'first' | 'keys' | 'generators' | 'robust' | 'evaluate';

// A type, not an interface: oclif needs hook options assignable to Record<string, unknown>.
/** What an `attrib:run-finished` hook receives (besides oclif's `config` and `context`). */
export type RunFinishedOptions = {
  /** The command, as typed (`keys add`). */
  readonly command: string;
  /** The run folder, absolute. */
  readonly run: string;
  readonly stage: RunStage;
  /** What the command returned, i.e. its `--json` output. */
  readonly result: unknown;
};

/** oclif's hook events together with attrib's, for typing a hook: `Hook<'attrib:run-finished', AttribHookEvents>`. */
export interface AttribHookEvents extends Interfaces.Hooks {
  'attrib:run-finished': { options: RunFinishedOptions; return: void };
}

/** The type of an `attrib:run-finished` hook function (the default export of the hook module). */
export type RunFinishedHook = Hook<'attrib:run-finished', AttribHookEvents>;

/**
 * Fires `attrib:run-finished` in every plugin that listens. The run is already written, so a
 * hook that fails is a warning (naming the plugin and the error), never the command's failure.
 */
export async function emitRunFinished(
  config: Config, options: Omit<RunFinishedOptions, 'command'> & { commandId: string }, warn: (line: string) => void,
): Promise<void> {
  const { commandId, ...rest } = options;
  const payload = { command: toConfiguredId(commandId, config), ...rest } satisfies RunFinishedOptions;
  try {
    const { failures } = await config.runHook(ATTRIB_HOOKS.runFinished, payload, undefined, true);
    for (const failure of failures) warn(`${ATTRIB_HOOKS.runFinished} hook of plugin ${failure.plugin.name} failed: ${oneLineMessage(failure.error)}`);
  } catch (error) {
    warn(`${ATTRIB_HOOKS.runFinished} hook failed: ${oneLineMessage(error)}`);
  }
}
