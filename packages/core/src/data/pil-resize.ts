/**
 * Resizes 8-bit images exactly as Pillow's `Image.resize(size, Image.BILINEAR)` does, which is what
 * torchvision's `transforms.Resize` runs on the PIL images of `datasets.MNIST` (the reference's
 * 28 -> 32 and 28 -> 64 resize): a separable triangle filter whose support widens with the
 * downscaling factor, fixed-point coefficients with 22 fraction bits, a horizontal pass rounded to
 * 8 bits, then a vertical pass.
 */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

interface Coefficients {
  /** First input index of each output position. */
  readonly start: Int32Array;
  /** Number of taps of each output position. */
  readonly count: Int32Array;
  /** Integer weights, `taps` per output position. */
  readonly weights: Int32Array;
  readonly taps: number;
}

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

const computed = new Map<string, Coefficients>();

/** The coefficients of one axis, computed once per pair of sizes (a data set resizes every image alike). */
function coefficients(inSize: number, outSize: number): Coefficients {
  const key = `${inSize}>${outSize}`;
  let found = computed.get(key);
  if (found === undefined) {
    found = computeCoefficients(inSize, outSize);
    computed.set(key, found);
  }
  return found;
}

function computeCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const k = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = triangle((x + xmin - center + 0.5) / filterScale);
      total += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x]! / total : k[x]!;
      weights[xx * taps + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, taps };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return Math.floor(value / ONE);
}

/**
 * Resizes one HWC uint8 image (`channels` interleaved) to `outHeight` x `outWidth` with Pillow's
 * BILINEAR filter, bit for bit.
 */
export function resizeBilinearPil(
  pixels: Uint8Array, height: number, width: number, channels: number, outHeight: number, outWidth: number,
): Uint8Array {
  let current = pixels;
  let w = width;
  if (outWidth !== width) {
    const c = coefficients(width, outWidth);
    const next = new Uint8Array(height * outWidth * channels);
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < outWidth; xx++) {
        for (let ch = 0; ch < channels; ch++) {
          let sum = ONE / 2;
          for (let t = 0; t < c.count[xx]!; t++) {
            sum += current[(y * w + c.start[xx]! + t) * channels + ch]! * c.weights[xx * c.taps + t]!;
          }
          next[(y * outWidth + xx) * channels + ch] = clip8(sum);
        }
      }
    }
    current = next;
    w = outWidth;
  }
  if (outHeight !== height) {
    const c = coefficients(height, outHeight);
    const next = new Uint8Array(outHeight * w * channels);
    for (let yy = 0; yy < outHeight; yy++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < channels; ch++) {
          let sum = ONE / 2;
          for (let t = 0; t < c.count[yy]!; t++) {
            sum += current[((c.start[yy]! + t) * w + x) * channels + ch]! * c.weights[yy * c.taps + t]!;
          }
          next[(yy * w + x) * channels + ch] = clip8(sum);
        }
      }
    }
    current = next;
  }
  return current === pixels ? pixels.slice() : current;
}
