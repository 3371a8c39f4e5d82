import { pathToFileURL } from 'node:url';
import { discoverPlugins, type DiscoverOptions, type PluginCandidate } from './discover.js';
import { createPluginHost, type PluginHost, type PluginModule } from './host.js';
import type { AttribPlugin } from './plugin.js';
import { oneLine } from '../util/one-line.js';

/** The outcome of loading plugins: what loaded, and one-line warnings naming what did not. */
export interface LoadReport {
  readonly loaded: PluginCandidate[];
  readonly warnings: string[];
}

function isPlugin(value: unknown): value is AttribPlugin {
  return typeof value === 'object' && value !== null && typeof (value as AttribPlugin).register === 'function';
}

/** The AttribPlugin a module exports: its default export, else its `plugin` named export. */
function pluginExport(module: Record<string, unknown>): AttribPlugin | undefined {
  if (isPlugin(module.default)) return module.default;
  if (isPlugin(module.plugin)) return module.plugin;
  return undefined;
}

/**
 * Imports each candidate's module and registers its plugin into `host`, in order. A module that
 * fails to import, exports no plugin, or fails to register (including a name another plugin
 * already took) becomes a warning naming the plugin and the error; the others still load.
 */
export async function loadPlugins(host: PluginHost, candidates: readonly PluginCandidate[]): Promise<LoadReport> {
  const loaded: PluginCandidate[] = [];
  const warnings: string[] = [];
  for (const candidate of candidates) {
    let plugin: AttribPlugin | undefined;
    try {
      const module = (await import(pathToFileURL(candidate.entry).href)) as Record<string, unknown>;
      plugin = pluginExport(module);
    } catch (error) {
      warnings.push(`plugin ${candidate.name} (${candidate.entry}) failed to load: ${oneLine(error)}`);
      continue;
    }
    if (!plugin) {
      warnings.push(`plugin ${candidate.name} (${candidate.entry}) exports no plugin: expected a default export (or an export named "plugin") with a register(registrar) function`);
      continue;
    }
    try {
      await host.register(plugin, { name: candidate.name, entry: candidate.entry, ...(candidate.version !== undefined ? { version: candidate.version } : {}) });
      loaded.push(candidate);
    } catch (error) {
      warnings.push(`plugin ${candidate.name} failed to register: ${oneLine(error)}`);
    }
  }
  return { loaded, warnings };
}

/**
 * Registers the plugins of `modules` (from another host's {@link PluginHost.pluginModules}) into
 * `host`, in order. Unlike {@link loadPlugins} any failure is an error naming the plugin: the
 * caller expects exactly the contributions the other host had.
 */
export async function registerPluginModules(host: PluginHost, modules: readonly PluginModule[]): Promise<void> {
  for (const module of modules) {
    let plugin: AttribPlugin | undefined;
    try {
      plugin = pluginExport((await import(pathToFileURL(module.entry).href)) as Record<string, unknown>);
    } catch (error) {
      throw new Error(`plugin ${module.name} (${module.entry}) failed to load: ${oneLine(error)}`);
    }
    if (!plugin) throw new Error(`plugin ${module.name} (${module.entry}) exports no plugin`);
    await host.register(plugin, module);
  }
}

/** A host with every discovered plugin loaded, and every warning of discovery and loading. */
export interface LoadedPluginHost extends LoadReport {
  readonly host: PluginHost;
}

/** Discovers plugins ({@link discoverPlugins}), then makes a fresh host and loads them into it. */
export async function createLoadedPluginHost(options: DiscoverOptions): Promise<LoadedPluginHost> {
  const discovery = await discoverPlugins(options);
  const host = createPluginHost();
  const report = await loadPlugins(host, discovery.candidates);
  return { host, loaded: report.loaded, warnings: [...discovery.warnings, ...report.warnings] };
}
