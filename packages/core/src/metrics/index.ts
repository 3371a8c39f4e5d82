export { builtinMetrics } from './builtin.js';
export { distinguishability, DISTINGUISHABILITY_SAMPLES } from './distinguishability.js';
export { attributability } from './attributability.js';
export { attributionMatrix } from './attribution-matrix.js';
export { attributionScores, ATTRIBUTION_SAMPLES } from './attribution-scores.js';
export { l2PerImage, psnr, PSNR_SSIM_SAMPLES, quality, QUALITY_SAMPLES, ssim } from './quality.js';
export { gaussianWindow, psnrPerImage, ssimPerImage } from './ssim-index.js';
export { quantize8bit } from './quantize.js';
export * from './fid.js';
