// @ts-check
// The plugin's attrib components (package.json "attrib": { "plugin": "./src/plugin.js" }): two
// post-processes. This module imports nothing: it takes TensorFlow.js from the registrar, so that it
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

/**
 * `shift`: each image rolled `pixels` to the right (columns leaving on the right come back on the
 * left). It declares its strength (0 to 4 pixels) as the built-in attacks do, so a study can
 * sweep it (`sweep: N`), and it is differentiable, so `attrib robust train` and a study's robust
 * cells train against it; in training each batch is shifted by a whole number of pixels drawn
 * from 0 to `pixels`.
 * @param {import('@attrib/core').PluginRegistrar['tf']} tf
 * @returns {import('@attrib/core').PostProcessFactory}
 */
function shift(tf) {
  return {
    name: 'shift',
    description: 'Rolls each image a number of pixels to the right (default 4).',
    defaults: { pixels: 4 },
    strength: { param: 'pixels', weakest: 0, strongest: 4, integer: true },
    create(params = {}) {
      const unknown = Object.keys(params).find((name) => name !== 'pixels');
      if (unknown !== undefined) throw new Error(`shift: unknown parameter "${unknown}" (expected pixels)`);
      const pixels = params.pixels ?? 4;
      if (typeof pixels !== 'number' || !Number.isInteger(pixels) || pixels < 0) throw new Error(`shift: parameter "pixels" expects a whole number >= 0, got ${JSON.stringify(pixels)}`);
      return {
        name: 'shift',
        params: { pixels },
        differentiable: true,
        apply(images, ctx) {
          const width = images.shape[2];
          const by = (ctx.mode === 'train' ? Math.floor(ctx.rng.uniform() * (pixels + 1)) : pixels) % width;
          if (by === 0) return tf.clone(images);
          return tf.tidy(() => tf.concat([tf.slice(images, [0, 0, width - by, 0], [-1, -1, by, -1]), tf.slice(images, [0, 0, 0, 0], [-1, -1, width - by, -1])], 2));
        },
      };
    },
  };
}

/** @type {import('@attrib/core').AttribPlugin} */
export default {
  register(registrar) {
    registrar.postProcess(mirror(registrar.tf));
    registrar.postProcess(shift(registrar.tf));
  },
};
