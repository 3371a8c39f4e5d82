import { formatShape, type ImageShape } from '../contracts/image.js';
import { resizeBilinearPil } from './pil-resize.js';

/**
 * How grey images of one size are brought to the requested shape:
 * - `resize`: Pillow's bilinear resize, as the reference does with torchvision's `Resize`;
 * - `pad`: zero (black) borders around the unscaled image, centred (needs a larger target).
 */
export type GreyFit = 'resize' | 'pad';

export function parseGreyFit(value: unknown, source: string): GreyFit {
  if (value === undefined) return 'resize';
  if (value === 'resize' || value === 'pad') return value;
  throw new Error(`${source}: option 'fit' must be 'resize' or 'pad', got ${JSON.stringify(value)}`);
}

/**
 * Converts `count` grey uint8 images of `height` x `width` to `shape` (1 channel; 3 channels repeat
 * the grey value). Returns HWC bytes of all images.
 */
export function fitGreyImages(
  pixels: Uint8Array, count: number, height: number, width: number, shape: ImageShape, fit: GreyFit, source: string,
): Uint8Array {
  if (shape.channels !== 1 && shape.channels !== 3) {
    throw new Error(`${source}: grey images can fill 1 or 3 channels, not shape ${formatShape(shape)}`);
  }
  if (fit === 'pad' && (shape.height < height || shape.width < width)) {
    throw new Error(`${source}: cannot pad ${height}x${width} images to ${formatShape(shape)}; use fit 'resize'`);
  }
  const { height: H, width: W, channels: C } = shape;
  const out = new Uint8Array(count * H * W * C);
  const top = Math.floor((H - height) / 2);
  const left = Math.floor((W - width) / 2);
  for (let i = 0; i < count; i++) {
    const image = pixels.subarray(i * height * width, (i + 1) * height * width);
    let grey: Uint8Array;
    if (H === height && W === width) {
      grey = image;
    } else if (fit === 'resize') {
      grey = resizeBilinearPil(image, height, width, 1, H, W);
    } else {
      grey = new Uint8Array(H * W);
      for (let y = 0; y < height; y++) grey.set(image.subarray(y * width, (y + 1) * width), (y + top) * W + left);
    }
    const base = i * H * W * C;
    if (C === 1) out.set(grey, base);
    else for (let p = 0; p < H * W; p++) out.fill(grey[p]!, base + 3 * p, base + 3 * p + 3);
  }
  return out;
}
