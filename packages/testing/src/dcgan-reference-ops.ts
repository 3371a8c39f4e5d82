/**
 * Direct-loop implementations of PyTorch's definitions (NCHW, weights in PyTorch layouts), used
 * by the tests as an independent reference for the TensorFlow.js layers.
 */
export interface Nchw {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly data: Float64Array;
}

export const at = (t: Nchw, n: number, c: number, y: number, x: number): number => t.data[((n * t.c + c) * t.h + y) * t.w + x]!;

/** ConvTranspose2d: weight [in, out, k, k]; out[oy] gathers x[iy] * w[ky] where oy = iy * s - p + ky. */
export function convTransposeRef(x: Nchw, weight: Float32Array | Float64Array, outC: number, k: number, s: number, p: number): Nchw {
  const h = (x.h - 1) * s - 2 * p + k;
  const w = (x.w - 1) * s - 2 * p + k;
  const out = new Float64Array(x.n * outC * h * w);
  for (let n = 0; n < x.n; n++) {
    for (let i = 0; i < x.c; i++) {
      for (let iy = 0; iy < x.h; iy++) {
        for (let ix = 0; ix < x.w; ix++) {
          const v = at(x, n, i, iy, ix);
          for (let o = 0; o < outC; o++) {
            for (let ky = 0; ky < k; ky++) {
              const oy = iy * s - p + ky;
              if (oy < 0 || oy >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const ox = ix * s - p + kx;
                if (ox < 0 || ox >= w) continue;
                out[((n * outC + o) * h + oy) * w + ox]! += v * weight[((i * outC + o) * k + ky) * k + kx]!;
              }
            }
          }
        }
      }
    }
  }
  return { n: x.n, c: outC, h, w, data: out };
}

/** Conv2d (zero padding, no bias): weight [out, in, k, k]. */
export function convRef(x: Nchw, weight: Float32Array | Float64Array, outC: number, k: number, s: number, p: number): Nchw {
  const h = Math.floor((x.h + 2 * p - k) / s) + 1;
  const w = Math.floor((x.w + 2 * p - k) / s) + 1;
  const out = new Float64Array(x.n * outC * h * w);
  for (let n = 0; n < x.n; n++) {
    for (let o = 0; o < outC; o++) {
      for (let oy = 0; oy < h; oy++) {
        for (let ox = 0; ox < w; ox++) {
          let sum = 0;
          for (let i = 0; i < x.c; i++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * s - p + ky;
              if (iy < 0 || iy >= x.h) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * s - p + kx;
                if (ix < 0 || ix >= x.w) continue;
                sum += at(x, n, i, iy, ix) * weight[((o * x.c + i) * k + ky) * k + kx]!;
              }
            }
          }
          out[((n * outC + o) * h + oy) * w + ox] = sum;
        }
      }
    }
  }
  return { n: x.n, c: outC, h, w, data: out };
}

/** BatchNorm2d in eval mode: (x - mean) / sqrt(var + eps) * gamma + beta, per channel. */
export function batchNormEvalRef(x: Nchw, gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, eps = 1e-5): Nchw {
  const out = new Float64Array(x.data.length);
  const plane = x.h * x.w;
  for (let n = 0; n < x.n; n++) {
    for (let c = 0; c < x.c; c++) {
      const scale = gamma[c]! / Math.sqrt(variance[c]! + eps);
      for (let j = 0; j < plane; j++) {
        const idx = (n * x.c + c) * plane + j;
        out[idx] = (x.data[idx]! - mean[c]!) * scale + beta[c]!;
      }
    }
  }
  return { ...x, data: out };
}

export function mapValues(x: Nchw, f: (v: number) => number): Nchw {
  return { ...x, data: x.data.map(f) };
}

/** NHWC values (as TensorFlow.js returns them) to an NCHW reference tensor. */
export function fromNhwc(values: ArrayLike<number>, n: number, h: number, w: number, c: number): Nchw {
  const data = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    data[((b * c + ch) * h + y) * w + x] = values[((b * h + y) * w + x) * c + ch]!;
  }
  return { n, c, h, w, data };
}

/** BatchNorm2d in training mode: batch mean and biased variance per channel. */
export function batchNormTrainRef(x: Nchw, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5): Nchw {
  const plane = x.h * x.w;
  const count = x.n * plane;
  const mean = new Float64Array(x.c);
  const variance = new Float64Array(x.c);
  for (let c = 0; c < x.c; c++) {
    let s = 0;
    for (let n = 0; n < x.n; n++) for (let j = 0; j < plane; j++) s += x.data[(n * x.c + c) * plane + j]!;
    mean[c] = s / count;
    let q = 0;
    for (let n = 0; n < x.n; n++) for (let j = 0; j < plane; j++) q += (x.data[(n * x.c + c) * plane + j]! - mean[c]!) ** 2;
    variance[c] = q / count;
  }
  return batchNormEvalRef(x, gamma, beta, mean, variance, eps);
}

/**
 * A DCGAN generator forward pass straight from a PyTorch-layout state dict: for each layer,
 * ConvTranspose2d(k4; first s1 p0, then s2 p1), then BatchNorm2d + ReLU, or Tanh on the last.
 */
export function dcganGeneratorRef(
  state: Record<string, { shape: readonly number[]; values: Float32Array }>,
  layers: readonly { conv: string; batchNorm?: string }[],
  latents: Float32Array,
  n: number,
  training: boolean,
): Nchw {
  const nz = latents.length / n;
  let x: Nchw = { n, c: nz, h: 1, w: 1, data: Float64Array.from(latents) };
  layers.forEach((layer, i) => {
    const weight = state[`${layer.conv}.weight`]!;
    x = convTransposeRef(x, weight.values, weight.shape[1]!, 4, i === 0 ? 1 : 2, i === 0 ? 0 : 1);
    if (layer.batchNorm) {
      const g = state[`${layer.batchNorm}.weight`]!.values;
      const b = state[`${layer.batchNorm}.bias`]!.values;
      x = training
        ? batchNormTrainRef(x, g, b)
        : batchNormEvalRef(x, g, b, state[`${layer.batchNorm}.running_mean`]!.values, state[`${layer.batchNorm}.running_var`]!.values);
      x = mapValues(x, (v) => Math.max(0, v));
    } else {
      x = mapValues(x, Math.tanh);
    }
  });
  return x;
}
