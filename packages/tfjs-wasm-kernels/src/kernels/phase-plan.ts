import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { ChannelAffine } from './channel-affine.js';

/**
 * Along one spatial axis, how output phase r (outputs o = stride*m + r) of a transposed
 * convolution is a stride-1 correlation of the input.
 *
 * Output o receives input i through filter tap k = stride*(o - ... ) : precisely
 * k = stride*(m - i) + r + pad. With d = m - i in [lowest, highest] (the d giving 0 <= k < K),
 * correlation tap t reads input m - d for d = highest - t, i.e. the input padded by `highest` in
 * front. Every phase gets `taps` taps (the most any phase has; the extra ones are zero).
 */
export interface PhasePlan {
  /** Input rows to add in front (negative: crop that many). */
  before: number;
  /** Input rows to add at the end (negative: crop that many). */
  after: number;
  /** filterTap[t]: the original filter tap used by correlation tap t, or -1 for zero. */
  filterTap: number[];
}

export interface AxisPlan {
  stride: number;
  taps: number;
  /** Outputs per phase; stride * phaseLength >= outSize, the excess is cropped. */
  phaseLength: number;
  phases: PhasePlan[];
}

export function planAxis(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): AxisPlan {
  const ranges = [];
  for (let r = 0; r < stride; r++) {
    ranges.push({
      lowest: Math.ceil((-r - pad) / stride),
      highest: Math.floor((filterSize - 1 - r - pad) / stride),
    });
  }
  const taps = Math.max(1, ...ranges.map(({ lowest, highest }) => highest - lowest + 1));
  const phaseLength = Math.ceil(outSize / stride);
  const phases = ranges.map(({ highest }, r) => {
    const filterTap: number[] = [];
    for (let t = 0; t < taps; t++) {
      const k = stride * (highest - t) + r + pad;
      filterTap.push(k >= 0 && k < filterSize ? k : -1);
    }
    // Correlation output length inSize + before + after - taps + 1 must equal phaseLength.
    return { before: highest, after: phaseLength - 1 + taps - inSize - highest, filterTap };
  });
  return { stride, taps, phaseLength, phases };
}


/** A transposed convolution to compute phase by phase: `dy` by `filter` into `outShape` (NHWC), then `affine`. */
export interface PhaseProblem {
  readonly dy: TensorInfo;
  readonly filter: TensorInfo;
  readonly outShape: [number, number, number, number];
  readonly rows: AxisPlan;
  readonly cols: AxisPlan;
  readonly affine?: ChannelAffine;
}
