import { readFile, stat } from 'node:fs/promises';
import { readImageHeader } from '../io/image-header.js';
import { oneLine } from '../util/one-line.js';
import { ReadError, ioReason } from '../util/read-error.js';
import { readLimits } from '../util/read-limits.js';
import type sharp from 'sharp';
import { glob } from '../util/glob.js';
import { imageSize, type ImageShape } from '../contracts/image.js';
import type { ImageSource, ImageSourceFactory, ImageSourceOptions } from '../contracts/image-source.js';
import { U8ImageSource } from './u8-image-source.js';

/**
 * Decodes one PNG or JPEG file and brings it to `shape` as torchvision's Resize(side) +
 * CenterCrop(side) would: scale so the image covers the target (shorter side to the target
 * side), then crop the centre. Grey targets get the luminance, RGB targets drop alpha.
 */
export async function loadImageFile(file: string, shape: ImageShape): Promise<Uint8Array> {
  // Loaded here, not with core: a native library that only image folders need.
  const { default: decode } = await import('sharp');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ReadError(file, `cannot read (${ioReason(error)})`);
  }
  // PNG or JPEG by magic bytes, of a sane size, before the decoder sees it.
  readImageHeader(bytes, file);
  let image = decode(bytes, { failOn: 'error', limitInputPixels: readLimits().maxImagePixels })
    .rotate()
    .resize(shape.width, shape.height, { fit: 'cover', position: 'centre', kernel: 'linear' })
    .removeAlpha();
  image = shape.channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
  let data: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data, info } = await image.raw().toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new ReadError(file, `cannot decode as PNG or JPEG (${oneLine(error)}); expected a PNG or JPEG image`);
  }
  if (info.width !== shape.width || info.height !== shape.height || info.channels !== shape.channels) {
    throw new Error(`${file}: decoded to ${info.height}x${info.width}x${info.channels}; expected ${shape.height}x${shape.width}x${shape.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * `folder`: every PNG and JPEG under a folder (recursively, in sorted path order), resized and
 * centre-cropped to the model's shape; how CelebA-cropped and similar sets arrive. Option `path`
 * (required), `limit` (first N files). All files are decoded when the source opens.
 */
export const folderImageSource: ImageSourceFactory = {
  name: 'folder',
  description: 'PNG and JPEG files under a folder, resized and centre-cropped to the model; needs path',
  async open(options: ImageSourceOptions): Promise<ImageSource> {
    const folder = options.path;
    if (typeof folder !== 'string' || folder === '') throw new Error('folder: needs the path of an image folder (--data folder:DIR)');
    const { shape } = options;
    if (shape.channels !== 1 && shape.channels !== 3) throw new Error(`${folder}: images can be read as 1 or 3 channels, not ${shape.channels}`);
    try {
      if (!(await stat(folder)).isDirectory()) throw new Error(`${folder}: not a folder`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code) throw new Error(`${folder}: cannot read folder (${(error as NodeJS.ErrnoException).code})`);
      throw error;
    }
    let files = (await glob('**/*.{png,jpg,jpeg}', { cwd: folder, absolute: true, caseSensitiveMatch: false, onlyFiles: true })).sort();
    if (options.limit !== undefined) {
      const limit = options.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) {
        throw new Error(`${folder}: option 'limit' must be a positive integer, got ${JSON.stringify(limit)}`);
      }
      files = files.slice(0, limit);
    }
    if (files.length === 0) throw new Error(`${folder}: no PNG or JPEG images found`);
    const d = imageSize(shape);
    const pixels = new Uint8Array(files.length * d);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const i = next++;
        pixels.set(await loadImageFile(files[i]!, shape), i * d);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, files.length) }, worker));
    return new U8ImageSource(`folder:${folder}`, shape, pixels);
  },
};
