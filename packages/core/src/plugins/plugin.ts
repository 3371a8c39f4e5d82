import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { ImageSourceFactory } from '../contracts/image-source.js';
import type { Metric } from '../contracts/metric.js';
import type { PostProcessFactory } from '../contracts/post-process.js';

/**
 * What a plugin's `register` receives: one method per kind of contribution. Names must be
 * unique within a kind; a second registration of a name is an error naming both plugins.
 */
export interface PluginRegistrar {
  adapter(adapter: GeneratorAdapter): void;
  postProcess(factory: PostProcessFactory): void;
  metric(metric: Metric): void;
  imageSource(factory: ImageSourceFactory): void;
}

/**
 * The one entry point of a plugin. A plugin package default-exports one of these from the module
 * its package.json names under `"attrib": { "plugin": "./dist/plugin.js" }`. attrib's own packages
 * are plugins of exactly this kind.
 *
 * ```ts
 * import { definePlugin } from '@attrib/core';
 * export default definePlugin({
 *   register(r) { r.postProcess(myPostProcessFactory); },
 * });
 * ```
 */
export interface AttribPlugin {
  register(registrar: PluginRegistrar): void | Promise<void>;
}

/** Identity function that gives a plugin object its type. */
export function definePlugin(plugin: AttribPlugin): AttribPlugin {
  return plugin;
}
