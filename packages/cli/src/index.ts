// The public API of @attrib/cli: what the command of a plugin (an oclif plugin installed or linked
// with `attrib plugins`) builds on. A plugin declares @attrib/cli, @attrib/core and @oclif/core as
// peer dependencies: the CLI resolves them to its own copies, so a plugin shares the CLI's
// TensorFlow.js engine and tsyringe container tree. See docs/plugins-commands.md.

// The base class of every attrib command, and the types of its parsed flags and arguments
export { AttribCommand, PLUGINS_DIR_ENV, type BaseArgs, type BaseFlags } from './base-command.js';

// Building blocks the built-in commands use
export { runArg } from './run/run-arg.js';
export { formatTable } from './table.js';
export { oneLineMessage } from './one-line.js';
export { type Progress } from './progress.js';
export { type BackendSelection } from './backend.js';

// attrib's own hook events, besides oclif's init, prerun, postrun, ...
export {
  ATTRIB_HOOKS,
  type AttribHookEvents,
  type RunFinishedHook,
  type RunFinishedOptions,
  type RunStage,
} from './attrib-hooks.js';
