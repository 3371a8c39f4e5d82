import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a third-party plugin as its author would publish it: a plain JavaScript ESM package that
 * imports neither attrib nor TensorFlow.js (it could not resolve them from outside the workspace)
 * and takes `tf` from the registrar. It registers two post-processes:
 * - `invert`: x -> -x, i.e. byte b -> 255 - b;
 * - `scale`: x -> clip(factor * x, -1, 1), parameter `factor` (default 1).
 */
export function writeThirdPartyPlugin(folder: string, name = 'attrib-plugin-invert'): string {
  const dir = join(folder, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name,
    version: '1.4.2',
    type: 'module',
    attrib: { plugin: './plugin.js' },
  }, null, 2));
  writeFileSync(join(dir, 'plugin.js'), `
function noParams(name, params) {
  for (const key of Object.keys(params ?? {})) throw new Error(name + ': unknown parameter "' + key + '"');
}

export default {
  register(r) {
    const tf = r.tf;
    r.postProcess({
      name: 'invert',
      description: 'Negates every value: byte b becomes 255 - b.',
      defaults: {},
      create(params) {
        noParams('invert', params);
        return { name: 'invert', params: {}, differentiable: true, apply: (images) => tf.neg(images) };
      },
    });
    r.postProcess({
      name: 'scale',
      description: 'Multiplies every value by factor, clipped to [-1, 1].',
      defaults: { factor: 1 },
      create(params = {}) {
        const { factor = 1, ...rest } = params;
        noParams('scale', rest);
        if (typeof factor !== 'number') throw new Error('scale: factor must be a number, got ' + JSON.stringify(factor));
        return {
          name: 'scale',
          params: { factor },
          differentiable: true,
          apply: (images) => tf.tidy(() => tf.clipByValue(tf.mul(images, factor), -1, 1)),
        };
      },
    });
  },
};
`);
  return dir;
}
