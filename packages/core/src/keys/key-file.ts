import { readFile } from 'node:fs/promises';
import { formatShape, imageSize, type FlattenOrder, type ImageShape } from '../contracts/image.js';
import { firstNonFinite } from '../util/finite.js';
import { ReadError, guardRead, ioReason } from '../util/read-error.js';
import type { Key } from '../contracts/key.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { LinearKey } from './linear-key.js';

export const KEY_FORMAT = 'attrib-key/1';

/**
 * A key file (`keys/<id>.json`): JSON with the key's id, the image shape it belongs to, the order
 * in which `vector` indexes pixels, and the vector as base64 of little-endian float32.
 * attrib writes `order: "HWC"`; a file in `CHW` order (the reference's layout) is converted on read.
 */
export interface KeyFile {
  readonly format: typeof KEY_FORMAT;
  readonly id: string;
  readonly shape: ImageShape;
  readonly order: FlattenOrder;
  readonly norm: number;
  readonly vector: string;
}

/** Reorders a flattened image vector between CHW and HWC. */
export function reorder(values: Float32Array, shape: ImageShape, from: FlattenOrder, to: FlattenOrder): Float32Array {
  if (from === to) return values.slice();
  const { height: h, width: w, channels: c } = shape;
  const out = new Float32Array(values.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const hwc = (y * w + x) * c + ch;
        const chw = (ch * h + y) * w + x;
        if (from === 'CHW') out[hwc] = values[chw]!;
        else out[chw] = values[hwc]!;
      }
    }
  }
  return out;
}

export async function saveKey(file: string, key: Key): Promise<void> {
  const values = await key.vector.data() as Float32Array;
  let sumSq = 0;
  for (const v of values) sumSq += v * v;
  const body: KeyFile = {
    format: KEY_FORMAT,
    id: key.id,
    shape: key.shape,
    order: key.order,
    norm: Math.sqrt(sumSq),
    vector: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  };
  await writeJsonAtomic(file, body);
}

/**
 * Reads a key file. Everything is checked before the key is built: the format, a non-empty id
 * (letters, digits, `.`, `_`, `-`), a positive integer shape, the order, a base64 vector of
 * exactly height x width x channels float32 values, all finite. Errors are one-line
 * {@link ReadError}s naming the file.
 */
export async function loadKey(file: string): Promise<LinearKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReadError(file, `cannot read key file (${ioReason(error)})`);
  }
  return decodeKey(text, file);
}

/** Parses the text of a key file; `file` names it in errors (see {@link loadKey}). */
export function decodeKey(text: string, file: string): LinearKey {
  return guardRead(file, 'expected an attrib key file', () => decodeKeyText(text, file));
}

function decodeKeyText(text: string, file: string): LinearKey {
  const fail = (what: string): never => {
    throw new ReadError(file, what);
  };
  let body: KeyFile;
  try {
    body = JSON.parse(text) as KeyFile;
  } catch {
    return fail(`not JSON; expected an attrib key file (${KEY_FORMAT})`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(`holds no JSON object; expected an attrib key file (${KEY_FORMAT})`);
  if (body.format !== KEY_FORMAT) fail(`format ${String(body.format)}, expected ${KEY_FORMAT}`);
  if (typeof body.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(body.id)) {
    fail(`id ${JSON.stringify(body.id ?? null)}; expected the key's id (letters, digits, '.', '_' or '-')`);
  }
  const shape = body.shape as unknown as Record<string, unknown> | null;
  const dims = ['height', 'width', 'channels'];
  if (shape === null || typeof shape !== 'object' || dims.some((d) => !Number.isSafeInteger(shape[d]) || (shape[d] as number) <= 0)) {
    fail(`shape ${JSON.stringify(body.shape ?? null)}; expected positive integers height, width and channels`);
  }
  if (body.order !== 'HWC' && body.order !== 'CHW') fail(`order ${String(body.order)}, expected HWC or CHW`);
  if (typeof body.vector !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.vector)) fail('vector is not base64 text; expected base64 of float32 values');
  const size = imageSize(body.shape);
  // The encoded length is checked before decoding: 4 bytes per value, 4 characters per 3 bytes.
  if (body.vector.length !== Math.ceil((size * 4) / 3) * 4) {
    fail(`vector of ${body.vector.length} base64 characters; shape ${formatShape(body.shape)} needs ${size} float32 values (${Math.ceil((size * 4) / 3) * 4} characters)`);
  }
  const bytes = Buffer.from(body.vector, 'base64');
  if (bytes.byteLength !== size * 4) fail(`vector decodes to ${bytes.byteLength} bytes; shape ${formatShape(body.shape)} needs ${size * 4}`);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const bad = firstNonFinite(values);
  if (bad >= 0) fail(`vector holds ${values[bad]} at entry ${bad}; expected finite values`);
  return new LinearKey(body.id, body.shape, reorder(values, body.shape, body.order, 'HWC'));
}
