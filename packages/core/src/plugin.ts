import { definePlugin } from './plugins/plugin.js';

/**
 * attrib core as a plugin: registers the built-in metrics and data sources through the same
 * entry point as every third-party plugin.
 */
export default definePlugin({
  register() {
    // Metrics and image sources are added here as they land.
  },
});
