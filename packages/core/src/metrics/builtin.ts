import type { Metric } from '../contracts/metric.js';
import { attributability } from './attributability.js';
import { attributionMatrix } from './attribution-matrix.js';
import { collusion } from './collusion.js';
import { distinguishability } from './distinguishability.js';
import { distortion } from './distortion.js';
import { fid } from './fid.js';
import { floor } from './floor.js';
import { leakedKey } from './leaked-key.js';
import { psnr, quality, ssim } from './quality.js';
import { tprAtFpr } from './tpr-at-fpr.js';

/** The metrics attrib core registers as a plugin. */
export const builtinMetrics: readonly Metric[] = [distinguishability, attributability, attributionMatrix, quality, psnr, ssim, fid, leakedKey, floor, tprAtFpr, collusion, distortion];
