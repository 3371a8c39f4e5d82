import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readImageHeader } from './image-header.js';
import { ReadError, ioReason } from '../util/read-error.js';

/** An 8-bit image in memory, row-major HWC, 1 or 3 channels. */
export interface Image8 {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** Encodes an 8-bit grey or RGB image as PNG bytes (grey is stored as grey, RGB as RGB). */
export function encodePng(image: Image8): Uint8Array {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new Error(`encodePng: ${data.length} bytes do not fill ${width}x${height}x${channels}`);
  }
  const png = new PNG({ width, height, colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false });
}

/**
 * Decodes PNG bytes to 8-bit pixels with the requested channel count: grey is the mean of RGB
 * when an RGB file is read as grey; alpha is dropped. The header's size is checked against the
 * pixel limit before decoding (see readImageHeader); errors are one-line {@link ReadError}s.
 */
export function decodePng(bytes: Uint8Array, channels: 1 | 3, source = 'PNG data'): Image8 {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (signature.some((b, i) => bytes[i] !== b)) throw new ReadError(source, 'not a readable PNG (no PNG signature); expected a PNG file');
  const header = readImageHeader(bytes, source);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ReadError(source, `not a readable PNG (${(error as Error).message})`);
  }
  if (png.width !== header.width || png.height !== header.height || png.data.length < png.width * png.height * 4) {
    throw new ReadError(source, `damaged PNG (decoded ${png.width}x${png.height}, header says ${header.width}x${header.height})`);
  }
  const { width, height } = png;
  const rgba = png.data;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const r = rgba[4 * p]!, g = rgba[4 * p + 1]!, b = rgba[4 * p + 2]!;
    if (channels === 1) out[p] = Math.round((r + g + b) / 3);
    else { out[3 * p] = r; out[3 * p + 1] = g; out[3 * p + 2] = b; }
  }
  return { width, height, channels, data: out };
}

export async function writePng(file: string, image: Image8): Promise<void> {
  await writeFileAtomic(file, encodePng(image));
}

export async function readPng(file: string, channels: 1 | 3): Promise<Image8> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ReadError(file, `cannot read (${ioReason(error)})`);
  }
  return decodePng(bytes, channels, file);
}
