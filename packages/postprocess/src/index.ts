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
export { rotateFactory, rotateParams, RotatePostProcess, rotateImages, rotationSampling, type RotateParams, type RotationSampling } from './rotate.js';
export {
  resizedCropFactory, resizedCropParams, ResizedCropPostProcess, cropResize, scaledWindowSize, type ResizedCropParams, type CropWindow,
} from './resized-crop.js';
export { eraseFactory, eraseParams, ErasePostProcess, eraseWindow, type EraseParams } from './erase.js';
export { brightnessFactory, brightnessParams, BrightnessPostProcess, adjustBrightness, type BrightnessParams } from './brightness.js';
export { contrastFactory, contrastParams, ContrastPostProcess, adjustContrast, LUMA_WEIGHTS, type ContrastParams } from './contrast.js';
export { resizeFactory, resizeParams, ResizePostProcess, resizeDownUp, reducedSize, downUpMatrix, type ResizeParams } from './resize.js';
export { pillowBilinearMatrix } from './resample.js';
export { gaussianKernel, reflectConvolutionMatrix } from './gaussian.js';
export { linearResizeMatrix, centreCropWindow, centreCropResizeMatrix, cropResizeMatrix } from './bilinear.js';
export { zigzagOrder, zigzagMask, dctBasis } from './dct.js';
export { postProcessFactories } from './plugin.js';
