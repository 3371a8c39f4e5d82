export { blurFactory, blurParams, BlurPostProcess, gaussianBlur, type BlurParams } from './blur.js';
export { cropFactory, cropParams, CropPostProcess, centreCropResize, type CropParams } from './crop.js';
export { noiseFactory, noiseParams, NoisePostProcess, addClampedNoise, type NoiseParams } from './noise.js';
export { jpegFactory, jpegParams, JpegPostProcess, jpegApproximation, type JpegParams } from './jpeg.js';
export { combinationFactory, combinationParams, CombinationPostProcess, applyChain } from './combination.js';
export {
  jpegCodecFactory, jpegCodecParams, JpegCodecPostProcess, jpegRoundTrip, encodeJpeg, decodeJpeg,
  toUint8, fromUint8, type JpegCodecParams,
} from './jpeg-codec.js';
export { combinationCodecFactory, combinationCodecParams, CombinationCodecPostProcess } from './combination-codec.js';
export { gaussianKernel, reflectConvolutionMatrix } from './gaussian.js';
export { linearResizeMatrix, centreCropWindow, centreCropResizeMatrix } from './bilinear.js';
export { zigzagOrder, zigzagMask, dctBasis } from './dct.js';
export { postProcessFactories } from './plugin.js';
