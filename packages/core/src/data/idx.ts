import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { ImageSource, ImageSourceFactory, ImageSourceOptions } from '../contracts/image-source.js';
import { fitGreyImages, parseGreyFit } from './fit-grey.js';
import { U8ImageSource } from './u8-image-source.js';
import { ReadError, guardRead, ioReason } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/** A parsed IDX file of unsigned bytes (the MNIST / Fashion-MNIST format). */
export interface IdxArray {
  /** Dimensions, outermost first ([count, rows, columns] for images). */
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses IDX bytes, plain or gzipped: two zero bytes, a type byte (only 0x08, unsigned byte, is
 * read), the number of dimensions, each dimension as a big-endian uint32, then the data.
 * `source` names the file in errors.
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  return guardRead(source, 'expected an IDX file', () => parseIdxBytes(bytes, source));
}

/** Deflate cannot compress better than about 1032:1; gunzip is capped there (and at the zip entry limit). */
const MAX_DEFLATE_RATIO = 1032;

function parseIdxBytes(bytes: Uint8Array, source: string): IdxArray {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const cap = Math.min(bytes.length * MAX_DEFLATE_RATIO + 1024, readLimits().maxZipEntryBytes);
    try {
      raw = gunzipSync(bytes, { maxOutputLength: cap });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ReadError(source, code === 'ERR_BUFFER_TOO_LARGE'
        ? `gzip data inflates past ${cap} bytes; expected a gzipped IDX file`
        : 'corrupt gzip data (the file is damaged or truncated); expected a gzipped IDX file', { cause: error });
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  if (raw[2] !== 0x08) {
    throw new Error(`${source}: IDX data type 0x${raw[2]!.toString(16).padStart(2, '0')} is not supported; expected 0x08 (unsigned bytes)`);
  }
  const rank = raw[3]!;
  const header = 4 + 4 * rank;
  if (rank === 0 || raw.length < header) throw new Error(`${source}: truncated IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  // Every dimension is checked before the data is used: a zero gives no data at all, and the
  // product must fit in the bytes present.
  const zero = dims.indexOf(0);
  if (zero >= 0) throw new ReadError(source, `IDX dimension ${zero + 1} of ${dims.join('x')} is 0; expected non-empty data`);
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length - header < size) {
    throw new ReadError(source, `truncated IDX data (${raw.length - header} bytes for dimensions ${dims.join('x')}, need ${size})`);
  }
  return { dims, data: raw.subarray(header, header + size) };
}

/**
 * `idx`: images from an IDX file (`train-images-idx3-ubyte[.gz]` of MNIST or Fashion-MNIST):
 * N x rows x cols grey images, resized (Pillow bilinear, as the reference) or padded (`fit: 'pad'`)
 * to the requested shape, values in [-1, 1]. Option `path` (required), `fit`, `limit` (first N).
 */
export const idxImageSource: ImageSourceFactory = {
  name: 'idx',
  description: 'grey images from an IDX file, plain or gzipped (MNIST, Fashion-MNIST); needs path',
  async open(options: ImageSourceOptions): Promise<ImageSource> {
    const file = options.path;
    if (typeof file !== 'string' || file === '') throw new Error('idx: needs a path to an IDX file (--data idx:FILE)');
    const fit = parseGreyFit(options.fit, file);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new ReadError(file, `cannot read (${ioReason(error)})`);
    }
    const { dims, data } = parseIdx(bytes, file);
    if (dims.length !== 3) {
      throw new Error(`${file}: IDX file has ${dims.length} dimensions (${dims.join('x')}); expected 3 (count x rows x columns of images)`);
    }
    let [count, rows, cols] = dims as [number, number, number];
    const maxImages = readLimits().maxIdxImages;
    if (count > maxImages) throw new ReadError(file, `IDX file declares ${count} images, expected at most ${maxImages}; raise it with ${limitVariable('maxIdxImages')}`);
    if (options.limit !== undefined) {
      const limit = options.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) {
        throw new Error(`${file}: option 'limit' must be a positive integer, got ${JSON.stringify(limit)}`);
      }
      count = Math.min(count, limit);
    }
    if (count === 0) throw new Error(`${file}: IDX file holds no images`);
    const pixels = fitGreyImages(data.subarray(0, count * rows * cols), count, rows, cols, options.shape, fit, file);
    return new U8ImageSource(`idx:${file}`, options.shape, pixels);
  },
};
