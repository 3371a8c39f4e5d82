import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { ImageSourceFactory } from '../contracts/image-source.js';
import type { Metric } from '../contracts/metric.js';
import type { PostProcessFactory } from '../contracts/post-process.js';
import type * as tfCore from '@tensorflow/tfjs-core';

/**
 * What a plugin's `register` receives: one method per kind of contribution. Names must be
 * unique within a kind; a second registration of a name is an error naming both plugins.
 */
export interface PluginRegistrar {
  /**
   * The host's TensorFlow.js. A plugin loaded from a user folder cannot resolve the host's
   * `@tensorflow/tfjs-core` by import, so it takes the one engine of the process from here.
   * (A plugin installed beside attrib may import its peer dependency instead; both are the same.)
   */
  readonly tf: typeof tfCore;
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
