import { readFile } from 'node:fs/promises';
import type { FlattenOrder, ImageShape } from '../contracts/image.js';
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

export async function loadKey(file: string): Promise<LinearKey> {
  let body: KeyFile;
  try {
    body = JSON.parse(await readFile(file, 'utf8')) as KeyFile;
  } catch (error) {
    throw new Error(`${file}: cannot read key file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (body.format !== KEY_FORMAT) throw new Error(`${file}: format ${String(body.format)}, expected ${KEY_FORMAT}`);
  if (body.order !== 'HWC' && body.order !== 'CHW') throw new Error(`${file}: order ${String(body.order)}, expected HWC or CHW`);
  const bytes = Buffer.from(body.vector, 'base64');
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  try {
    return new LinearKey(body.id, body.shape, reorder(values, body.shape, body.order, 'HWC'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}
