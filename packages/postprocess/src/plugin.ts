import { definePlugin, type PostProcessFactory } from '@attrib/core';
import { blurFactory } from './blur.js';
import { combinationCodecFactory } from './combination-codec.js';
import { combinationFactory } from './combination.js';
import { cropFactory } from './crop.js';
import { jpegCodecFactory } from './jpeg-codec.js';
import { jpegFactory } from './jpeg.js';
import { noiseFactory } from './noise.js';
import { rotateFactory } from './rotate.js';
import { resizedCropFactory } from './resized-crop.js';
import { eraseFactory } from './erase.js';
import { brightnessFactory } from './brightness.js';
import { contrastFactory } from './contrast.js';
import { resizeFactory } from './resize.js';

/** Every post-process of this package, in the order `attrib components` lists them. */
export const postProcessFactories: readonly PostProcessFactory[] = [
  blurFactory,
  cropFactory,
  noiseFactory,
  jpegFactory,
  combinationFactory,
  jpegCodecFactory,
  combinationCodecFactory,
  rotateFactory,
  resizedCropFactory,
  eraseFactory,
  brightnessFactory,
  contrastFactory,
  resizeFactory,
];

/** @attrib/postprocess as a plugin: registers its post-processes like any third-party plugin. */
export default definePlugin({
  register(registrar) {
    for (const factory of postProcessFactories) registrar.postProcess(factory);
  },
});
