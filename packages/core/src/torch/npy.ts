import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { halfToFloat } from './torch-tensor.js';
import { firstNonFinite } from '../util/finite.js';
import { ReadError, guardRead, ioReason } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/**
 * NumPy `.npy` arrays (format versions 1, 2 and 3), the exchange format of `attrib generate`:
 * C-order arrays of little-endian float16/32/64, int8/16/32/64, uint8 or bool. Floating arrays
 * read as float32 and integer ones as int32 (int64 checked to fit); booleans as 0/1 int32.
 */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly values: Float32Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parses `.npy` bytes; `source` names them in errors. The declared shape is checked against the
 * bytes present and the element limit before anything is allocated; NaN and infinities are refused.
 */
export function decodeNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  return guardRead(source, 'expected a .npy array', () => decodeNpyBytes(bytes, source));
}

function decodeNpyBytes(bytes: Uint8Array, source: string): NpyArray {
  const fail = (what: string): never => {
    throw new ReadError(source, `not a readable .npy file (${what})`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('missing \\x93NUMPY signature');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`format version ${major}`);
  }
  if (headerStart + headerLength > bytes.length) fail('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return fail(`header ${JSON.stringify(header.trim().slice(0, 120))}; expected a dict with descr, fortran_order and shape`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) fail(`shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const limit = readLimits().maxTensorElements;
  if (count > limit) fail(`shape (${shapeText}) has ${count} elements, expected at most ${limit}; raise it with ${limitVariable('maxTensorElements')}`);

  const layout = Object.hasOwn(DESCRS, descr.replace(/^[<|]/, '')) ? DESCRS[descr.replace(/^[<|]/, '')] : undefined;
  if (!layout || descr.startsWith('>')) return fail(`dtype ${descr}; expected little-endian float, int, uint8 or bool`);
  const dataStart = headerStart + headerLength;
  if (dataStart + count * layout.bytes > bytes.length) fail(`data truncated: ${count} elements of ${descr} need ${count * layout.bytes} bytes, found ${bytes.length - dataStart}`);
  const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * layout.bytes);
  const values = layout.float ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = layout.read(data, i);
    if (!layout.float && (v > 2147483647 || v < -2147483648)) fail(`element ${i} is ${v}, outside int32`);
    values[i] = v;
  }
  const bad = layout.float ? firstNonFinite(values) : -1;
  if (bad >= 0) fail(`element ${bad} is ${values[bad]}; expected finite values`);
  return { shape, dtype: layout.float ? 'float32' : 'int32', values };
}

interface Layout {
  readonly bytes: number;
  readonly float: boolean;
  read(view: DataView, index: number): number;
}

const DESCRS: Record<string, Layout> = {
  f2: { bytes: 2, float: true, read: (v, i) => halfToFloat(v.getUint16(i * 2, true)) },
  f4: { bytes: 4, float: true, read: (v, i) => v.getFloat32(i * 4, true) },
  f8: { bytes: 8, float: true, read: (v, i) => v.getFloat64(i * 8, true) },
  i1: { bytes: 1, float: false, read: (v, i) => v.getInt8(i) },
  i2: { bytes: 2, float: false, read: (v, i) => v.getInt16(i * 2, true) },
  i4: { bytes: 4, float: false, read: (v, i) => v.getInt32(i * 4, true) },
  i8: { bytes: 8, float: false, read: (v, i) => Number(v.getBigInt64(i * 8, true)) },
  u1: { bytes: 1, float: false, read: (v, i) => v.getUint8(i) },
  b1: { bytes: 1, float: false, read: (v, i) => (v.getUint8(i) ? 1 : 0) },
};

/** Serialises a float32 or int32 array as `.npy` version 1.0 (C order, little-endian). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.values.length) {
    throw new Error(`npy: shape [${array.shape.join(', ')}] needs ${count} values, got ${array.values.length}`);
  }
  const descr = array.values instanceof Float32Array ? '<f4' : '<i4';
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that magic + length + header + newline is a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + array.values.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(array.values.buffer, array.values.byteOffset, array.values.byteLength), 10 + header.length);
  return out;
}

/** Reads a `.npy` file; errors name the file. */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ReadError(file, `cannot read .npy file (${ioReason(error)})`);
  }
  return decodeNpy(bytes, file);
}

/** Writes a `.npy` file atomically. */
export async function writeNpy(file: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(file, encodeNpy(array));
}
