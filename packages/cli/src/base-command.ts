import { createLoadedPluginHost, RunFolder, SKIP_HASH_CHECK_ENV, type LoadedPluginHost, type PluginHost } from '@attrib/core';
import { Command, Flags, type Interfaces } from '@oclif/core';
import * as tf from '@tensorflow/tfjs-core';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { emitRunFinished, type RunStage } from './attrib-hooks.js';
import { chooseBackend, type BackendSelection } from './backend.js';
import { readConfigFile, type ConfigFile } from './config-file.js';
import { knownConfigKeys, unknownConfigKeys, unknownKeysMessage } from './config-keys.js';
import { oneLineMessage } from './one-line.js';
import { createProgress, type Progress } from './progress.js';
import { mergeSettings } from './settings.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof AttribCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** Environment variable holding extra plugin folders, separated like PATH. */
export const PLUGINS_DIR_ENV = 'ATTRIB_PLUGINS_DIR';

/**
 * Config sections the commands read (`this.settings(..., section)`). A top-level mapping under one
 * of these names is that section, never a setting: `keys:` holds `keys add`'s options, not the
 * `--keys` list of `generators train`; `generators:` is not `evaluate --generators`.
 */
const CONFIG_SECTIONS = new Set(['first', 'keys', 'generators', 'robust', 'evaluate', 'report', 'identify', 'import', 'export', 'demo']);

export { oneLineMessage };

/** An error already reported on stderr; oclif only sets the exit code. */
class ReportedError extends Error {
  readonly skipOclifErrorHandling = true;
  readonly oclif = { exit: 1 };
}

/**
 * What every attrib command extends, the built-in ones and those of plugins (it is exported by
 * `@attrib/cli`). It gives:
 * - `--json` (run() returns the data; stdout then holds only that JSON, logs go to stderr);
 * - the global flags `--backend`, `--plugins-dir` (repeatable) and `--config FILE` (YAML/JSON);
 * - {@link settings}: flags over config over defaults for a command's settings;
 * - {@link plugins}: the plugin host of this invocation (discovery and loading, warnings on stderr),
 *   whose tsyringe `container` holds every adapter, post-process, metric and image source;
 * - {@link openRun}: a run folder, opened and checked;
 * - {@link engine}: the process's one TensorFlow.js, with its backend picked ({@link backend});
 * - {@link progress}, {@link out}, {@link info}, {@link warnLine}: output that keeps stdout pure
 *   JSON with `--json`;
 * - {@link runFinished}: fires attrib's `attrib:run-finished` hook for plugins that listen;
 * - errors as one line `Error: ...` on stderr with exit code 1 (the stack too when DEBUG is set).
 */
export abstract class AttribCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    backend: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'TensorFlow.js backend to force (tensorflow, wasm, cpu). Default: the best that loads.',
    }),
    'plugins-dir': Flags.string({
      helpGroup: 'GLOBAL',
      multiple: true,
      // One value per --plugins-dir, so that positional arguments after it stay arguments.
      multipleNonGreedy: true,
      summary: `Folder of extra plugins (repeatable; also config key pluginsDir and env ${PLUGINS_DIR_ENV}).`,
    }),
    config: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'YAML or JSON file of settings (camelCase flag names); flags override it.',
    }),
    'lenient-config': Flags.boolean({
      helpGroup: 'GLOBAL',
      summary: 'Warn about settings of --config that no command reads, instead of refusing the file.',
    }),
    'skip-hash-check': Flags.boolean({
      helpGroup: 'GLOBAL',
      summary: "Skip checking a run's root files against the SHA-256 its manifest records (for huge files).",
    }),
  };

  /** Whether --config holds settings by flag name (checked for unknown keys); false where it is another document. */
  static checksConfigKeys = true;

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** Positional arguments beyond the declared ones (commands with `strict = false`). */
  protected restArgv: string[] = [];
  protected configFile: ConfigFile | undefined;
  private loadedPlugins: Promise<LoadedPluginHost> | undefined;
  private backendChoice: Promise<BackendSelection> | undefined;

  public override async init(): Promise<void> {
    await super.init();
    // No tfjs console banners ("looks like you are running TensorFlow.js in Node.js") on stderr.
    tf.env().set('PROD', true);
    const ctor = this.ctor as typeof AttribCommand;
    const { args, argv, flags } = await this.parse({
      args: ctor.args,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      flags: ctor.flags,
      strict: ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.restArgv = (argv as string[]).slice(Object.keys(ctor.args ?? {}).length);
    if ((this.flags as { 'skip-hash-check'?: boolean })['skip-hash-check']) process.env[SKIP_HASH_CHECK_ENV] = '1';
    const configFlag = (this.flags as { config?: string }).config;
    if (configFlag !== undefined) {
      this.configFile = await readConfigFile(configFlag);
      if (ctor.checksConfigKeys) this.checkConfigKeys(this.configFile);
    }
  }

  /** Refuses (or with --lenient-config, warns about) config keys that no command reads: a typo is never ignored silently. */
  private checkConfigKeys(file: ConfigFile): void {
    // The known keys come from every command's flags; without discovery of attrib's own commands
    // (a command class run on its own, as the tests do; oclif plugins' commands may still load)
    // they cannot be known, so nothing is checked.
    if (!this.config.commands.some((command) => command.pluginName === this.config.name)) return;
    const known = knownConfigKeys([...this.config.commands, { flags: (this.ctor as typeof AttribCommand).baseFlags }], CONFIG_SECTIONS);
    const unknown = unknownConfigKeys(file.values, known, CONFIG_SECTIONS);
    if (unknown.length === 0) return;
    const message = unknownKeysMessage(file.path, unknown, known);
    if (!(this.flags as { 'lenient-config'?: boolean })['lenient-config']) throw new Error(`${message} (pass --lenient-config to only warn)`);
    this.warnLine(message);
  }

  /** The config file's values for this command: top-level keys, overridden by `section` if given. */
  protected configValues(section?: string): Record<string, unknown> {
    const values = this.configFile?.values ?? {};
    const sectionValues = section !== undefined ? values[section] : undefined;
    if (sectionValues !== undefined && (typeof sectionValues !== 'object' || sectionValues === null || Array.isArray(sectionValues))) {
      throw new Error(`config file ${this.configFile?.path}: "${section}" must be a mapping of settings`);
    }
    const topLevel = Object.fromEntries(Object.entries(values).filter(([name, value]) =>
      !(CONFIG_SECTIONS.has(name) && value !== null && typeof value === 'object' && !Array.isArray(value))));
    return { ...topLevel, ...(sectionValues as Record<string, unknown> | undefined) };
  }

  /**
   * A command's settings: each key of `defaults` from its flag if given, else from the config
   * file (its `section`, else top level), else the default. Declare such flags without a
   * default, so that "not given" can be told apart.
   */
  protected settings<S extends Record<string, unknown>>(defaults: S, flags: Partial<Record<keyof S, unknown>>, section?: string): S {
    return mergeSettings({
      defaults,
      flags,
      config: this.configValues(section),
      ...(this.configFile ? { configPath: this.configFile.path } : {}),
    });
  }

  /** A path from the config file, resolved against the config file's folder. */
  protected configPath(path: string): string {
    return isAbsolute(path) || !this.configFile ? resolve(path) : resolve(this.configFile.dir, path);
  }

  /** Plugin folders: every `--plugins-dir`, then the config's `pluginsDir`, then the environment's. */
  protected pluginDirs(): string[] {
    const fromFlags = ((this.flags as { 'plugins-dir'?: string[] })['plugins-dir'] ?? []).map((dir) => resolve(dir));
    const configured = this.configValues().pluginsDir;
    const fromConfig = configured === undefined ? [] : Array.isArray(configured) ? configured : [configured];
    for (const dir of fromConfig) {
      if (typeof dir !== 'string') throw new Error(`config file ${this.configFile?.path}: "pluginsDir" must be a folder or a list of folders`);
    }
    const fromEnv = (process.env[PLUGINS_DIR_ENV] ?? '').split(delimiter).filter(Boolean).map((dir) => resolve(dir));
    return [...new Set([...fromFlags, ...(fromConfig as string[]).map((dir) => this.configPath(dir)), ...fromEnv])];
  }

  /**
   * The plugin host of this invocation, built once: the workspace's packages, installed plugin
   * packages (beside the CLI and in the working folder), the packages installed or linked with
   * `attrib plugins` that declare attrib components, and the plugin folders. Plugins that fail to
   * load are reported as warnings on stderr; the others are loaded.
   */
  protected async plugins(): Promise<PluginHost> {
    return (await this.pluginLoad()).host;
  }

  /** The host together with which plugin packages loaded and the warnings about the rest. */
  protected pluginLoad(): Promise<LoadedPluginHost> {
    this.loadedPlugins ??= (async () => {
      const loaded = await createLoadedPluginHost({
        workspaceFrom: this.config.root,
        nodeModulesRoots: [this.config.root, process.cwd()],
        oclifPluginRoots: this.oclifPluginRoots(),
        pluginDirs: this.pluginDirs(),
      });
      for (const warning of loaded.warnings) this.warnLine(warning);
      return loaded;
    })();
    return this.loadedPlugins;
  }

  /** Package folders of the oclif plugins a user installed or linked (`attrib plugins install|link`). */
  protected oclifPluginRoots(): string[] {
    return [...this.config.plugins.values()].filter((p) => p.type === 'user' || p.type === 'link').map((p) => p.root);
  }

  /**
   * The run folder at `path` (relative to the working folder, or to the config file for a path
   * taken from it), its manifest read and checked. Throws a one-line error naming the folder when
   * it is not a run.
   */
  protected openRun(path: string): Promise<RunFolder> {
    return RunFolder.open(this.configPath(path));
  }

  /**
   * The process's TensorFlow.js (`@tensorflow/tfjs-core`, the one every plugin and the engine
   * share), once the backend is picked. Use it for tensors instead of importing a copy of tfjs.
   */
  protected async engine(): Promise<typeof tf> {
    await this.backend();
    return tf;
  }

  /**
   * Tells listening plugins that this command finished its work on the run in `run` (the
   * `attrib:run-finished` hook, see `ATTRIB_HOOKS`). A hook that fails is a warning.
   */
  protected runFinished(stage: RunStage, run: string, result: unknown): Promise<void> {
    return emitRunFinished(this.config, { commandId: this.id ?? this.ctor.id ?? '', run: resolve(run), stage, result }, (line) => this.warnLine(line));
  }

  /** Selects the TensorFlow.js backend once: `--backend`, else config `backend`, else automatic. */
  protected backend(): Promise<BackendSelection> {
    this.backendChoice ??= (() => {
      const { backend } = this.settings({ backend: undefined as string | undefined }, { backend: (this.flags as { backend?: string }).backend });
      return chooseBackend(backend);
    })();
    return this.backendChoice;
  }

  /** Progress of a long task on stderr; silent with `--json`. */
  protected progress(label: string, total: number): Progress {
    return createProgress(label, total, { silent: this.jsonEnabled() });
  }

  /** Primary human-readable output, on stdout; nothing with `--json` (run() returns the data). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(`${text}\n`);
  }

  /** A log line on stderr (kept even with `--json`: stdout stays pure JSON). */
  protected info(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** A one-line warning on stderr. */
  protected warnLine(text: string): void {
    process.stderr.write(`Warning: ${text}\n`);
  }

  /** JSON goes to stdout uncoloured, so that it always parses. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<never> {
    const message = oneLineMessage(error);
    process.stderr.write(`Error: ${message}\n`);
    if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    if (this.jsonEnabled()) this.logJson({ error: { message } });
    throw new ReportedError(message);
  }
}
