import { ReadError, guardRead } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/** What {@link readImageHeader} finds at the start of an image file. */
export interface ImageHeader {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads the format (by magic bytes, not by file name) and the declared size of a PNG or JPEG,
 * before anything is decoded, and checks them: only PNG and JPEG, neither side 0, at most
 * {@link ReadLimits.maxImagePixels} pixels. Anything else is a one-line {@link ReadError} naming
 * `file` and what was expected. A decoder given these bytes cannot then be asked for a
 * 20000 x 20000 image by a 75-byte file.
 */
export function readImageHeader(bytes: Uint8Array, file: string): ImageHeader {
  return guardRead(file, 'expected a PNG or JPEG image', () => checkedHeader(bytes, file));
}

function checkedHeader(bytes: Uint8Array, file: string): ImageHeader {
  const header = PNG_SIGNATURE.every((b, i) => bytes[i] === b) ? pngHeader(bytes, file)
    : bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff ? jpegHeader(bytes, file)
      : undefined;
  if (!header) throw new ReadError(file, `not a PNG or JPEG image (${describeMagic(bytes)}); expected a PNG or JPEG file`);
  const { width, height } = header;
  if (width === 0 || height === 0) throw new ReadError(file, `${header.format.toUpperCase()} of ${width}x${height} pixels; expected a non-empty image`);
  const limit = readLimits().maxImagePixels;
  if (width * height > limit) {
    throw new ReadError(file, `${header.format.toUpperCase()} of ${width}x${height} pixels, expected at most ${limit} pixels (raise it with ${limitVariable('maxImagePixels')})`);
  }
  return header;
}

function pngHeader(bytes: Uint8Array, file: string): ImageHeader {
  // Signature, then the IHDR chunk: length 13, type, width and height as big-endian uint32.
  if (bytes.length < 33) throw new ReadError(file, 'truncated PNG (no complete IHDR chunk)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new ReadError(file, 'damaged PNG (first chunk is not IHDR)');
  return { format: 'png', width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

function jpegHeader(bytes: Uint8Array, file: string): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new ReadError(file, `damaged JPEG (no marker at byte ${at})`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) { at += 1; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame header
    const length = view.getUint16(at + 2, false);
    if (length < 2) throw new ReadError(file, `damaged JPEG (segment of length ${length} at byte ${at})`);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) break;
      return { format: 'jpeg', height: view.getUint16(at + 5, false), width: view.getUint16(at + 7, false) };
    }
    at += 2 + length;
  }
  throw new ReadError(file, 'truncated or damaged JPEG (no frame header giving its size)');
}

/** A short description of a file's first bytes, for the error naming what it is instead. */
function describeMagic(bytes: Uint8Array): string {
  const ascii = (n: number): string => String.fromCharCode(...bytes.subarray(0, n));
  if (bytes.length === 0) return 'the file is empty';
  if (ascii(4) === 'GIF8') return 'a GIF';
  if (ascii(4) === 'RIFF' && ascii(12).slice(8) === 'WEBP') return 'a WebP';
  if (ascii(4) === 'II*\0' || ascii(4) === 'MM\0*') return 'a TIFF';
  if (ascii(2) === 'BM') return 'a BMP';
  if (/^\s*<(\?xml|svg)/i.test(new TextDecoder().decode(bytes.subarray(0, 256)))) return 'an SVG';
  return `first bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}
