import { builtinImageSources } from './data/builtin.js';
import { builtinMetrics } from './metrics/builtin.js';
import { definePlugin } from './plugins/plugin.js';

/**
 * attrib core as a plugin: registers the built-in metrics and image sources through the same
 * entry point as every third-party plugin.
 */
export default definePlugin({
  register(registrar) {
    for (const metric of builtinMetrics) registrar.metric(metric);
    for (const source of builtinImageSources) registrar.imageSource(source);
  },
});
