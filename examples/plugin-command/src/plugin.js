// @ts-check
// The plugin's attrib components (package.json "attrib": { "plugin": "./src/plugin.js" }): one
// post-process. This module imports nothing: it takes TensorFlow.js from the registrar, so that it
// also loads in the worker threads of training commands, which resolve modules without the CLI's help.

/**
 * `mirror`: each image flipped left to right. Differentiable, so that `attrib robust train` can
 * fine-tune keyed generators against it.
 * @param {import('@attrib/core').PluginRegistrar['tf']} tf
 * @returns {import('@attrib/core').PostProcessFactory}
 */
function mirror(tf) {
  return {
    name: 'mirror',
    description: 'Flips each image left to right.',
    defaults: {},
    create(params = {}) {
      const unknown = Object.keys(params);
      if (unknown.length > 0) throw new Error(`mirror: unknown parameter "${unknown[0]}" (mirror takes none)`);
      return { name: 'mirror', params: {}, differentiable: true, apply: (images) => tf.reverse(images, 2) };
    },
  };
}

/** @type {import('@attrib/core').AttribPlugin} */
export default {
  register(registrar) {
    registrar.postProcess(mirror(registrar.tf));
  },
};
