import * as tf from '@tensorflow/tfjs-core';
import { ReadError } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';
import { firstNonFinite } from '../util/finite.js';

/** Element types of PyTorch storages this reader understands. */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Storage classes as pickled (`torch.FloatStorage`, ...) and what their elements are. */
export const STORAGE_DTYPES: Readonly<Record<string, { dtype: TorchDtype; bytes: number }>> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/**
 * Values of a tensor in row-major (C-contiguous) order, by dtype: float32 for every floating
 * type (float16, bfloat16 and float64 are converted; float64 loses precision), `BigInt64Array` for
 * int64, `Int32Array` for int32, int16 and int8, `Uint8Array` for uint8 and bool.
 */
export type TorchValues = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/**
 * One storage of a checkpoint: a flat run of elements that tensors view. In the legacy format the
 * bytes arrive after the pickle that refers to them, so they are attached later.
 */
export class TorchStorage {
  private bytes: Uint8Array | undefined;

  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly elementBytes: number,
    readonly numel: number,
    /** For legacy storage views: the storage this one is a window of, and the element offset. */
    readonly base?: { readonly storage: TorchStorage; readonly offset: number },
  ) {}

  /**
   * Elements this storage can hold as declared: its numel, or for a view the elements of its
   * root from the view's offset on (whichever is smaller).
   */
  get available(): number {
    if (!this.base) return this.numel;
    return Math.min(this.numel, this.base.storage.available - this.base.offset);
  }

  attach(bytes: Uint8Array): void {
    this.bytes = bytes;
  }

  /** The storage's raw little-endian bytes; throws if they never arrived (a truncated file). */
  raw(source: string): { bytes: Uint8Array; elementOffset: number } {
    if (this.base) {
      const inner = this.base.storage.raw(source);
      return { bytes: inner.bytes, elementOffset: inner.elementOffset + this.base.offset };
    }
    if (!this.bytes) throw new Error(`${source}: the data of storage ${this.key} is missing (truncated file?)`);
    return { bytes: this.bytes, elementOffset: 0 };
  }
}

/**
 * A tensor read from a PyTorch checkpoint: its storage plus offset, size and stride, as
 * `torch._utils._rebuild_tensor_v2` describes it. Values are gathered (any strides, including
 * non-contiguous and zero strides) into row-major order on first use.
 */
export class TorchTensor {
  private cached: TorchValues | undefined;
  /** Set for `torch.nn.Parameter`s. */
  isParameter = false;
  /** Whether autograd tracked it (always false for plain state-dict tensors). */
  requiresGrad: boolean;

  constructor(
    readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    requiresGrad: boolean,
    /** Names the file in errors. */
    readonly source: string,
  ) {
    this.requiresGrad = requiresGrad;
    checkLayout(storage, storageOffset, shape, stride, source);
  }

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Row-major values; see {@link TorchValues} for the type per dtype. */
  get values(): TorchValues {
    this.cached ??= this.gather();
    return this.cached;
  }

  /** Values as float32 (int64 converted through Number). */
  toFloat32(): Float32Array {
    const values = this.values;
    if (values instanceof Float32Array) return values;
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
    return out;
  }

  /** Values as int32; throws if a floating tensor, or an int64 value outside the int32 range. */
  toInt32(name = 'tensor'): Int32Array {
    const values = this.values;
    if (values instanceof Float32Array) throw new Error(`${this.source}: ${name} is ${this.dtype}, expected an integer tensor`);
    if (values instanceof Int32Array) return values;
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (typeof v === 'bigint' && (v > 2147483647n || v < -2147483648n)) {
        throw new Error(`${this.source}: ${name} holds ${v}, outside int32 (TensorFlow.js has no int64)`);
      }
      out[i] = Number(v);
    }
    return out;
  }

  /**
   * A TensorFlow.js tensor of the same shape: float32 for floating dtypes (NaN and infinities
   * refused), int32 for the integer and bool dtypes (int64 checked to fit). The caller disposes it.
   */
  toTf(name = 'tensor'): tf.Tensor {
    const floating = this.values instanceof Float32Array;
    if (!floating) return tf.tensor(this.toInt32(name), [...this.shape], 'int32');
    const values = this.toFloat32();
    const bad = firstNonFinite(values);
    if (bad >= 0) throw new ReadError(this.source, `${name} holds ${values[bad]} at element ${bad}; expected finite weights`);
    return tf.tensor(values, [...this.shape], 'float32');
  }

  private gather(): TorchValues {
    const { bytes, elementOffset } = this.storage.raw(this.source);
    const count = this.size;
    if (count === 0) return allocate(this.dtype, 0);
    // Checked again against the bytes that arrived, before the values are allocated.
    const numel = Math.floor(bytes.byteLength / this.storage.elementBytes);
    const maxIndex = elementOffset + lastElement(this.storageOffset, this.shape, this.stride);
    if (maxIndex >= numel) {
      throw new ReadError(this.source, `tensor of shape [${this.shape}] reaches element ${maxIndex} of storage ${this.storage.key}, which has ${numel}`);
    }
    const out = allocate(this.dtype, count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const read = reader(this.dtype, view);
    const rank = this.shape.length;
    const index = new Array<number>(rank).fill(0);
    let position = elementOffset + this.storageOffset;
    for (let i = 0; i < count; i++) {
      (out as unknown as { [k: number]: number | bigint })[i] = read(position);
      // Advance the multi-index like an odometer, keeping `position` in step.
      for (let d = rank - 1; d >= 0; d--) {
        index[d]! += 1;
        position += this.stride[d]!;
        if (index[d]! < this.shape[d]!) break;
        position -= this.stride[d]! * this.shape[d]!;
        index[d] = 0;
      }
    }
    return out;
  }
}

/** The storage element a tensor's last value sits at (strides are non-negative here). */
function lastElement(offset: number, shape: readonly number[], stride: readonly number[]): number {
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
  return last;
}

/**
 * Checks a tensor's size, stride and offset against its storage and the element limit before any
 * value is read, so a few bytes declaring a huge tensor are refused at once.
 */
function checkLayout(storage: TorchStorage, offset: number, shape: readonly number[], stride: readonly number[], source: string): void {
  const fail = (what: string): never => {
    throw new ReadError(source, `tensor on storage ${storage.key}: ${what}`);
  };
  if (shape.length !== stride.length) fail(`${shape.length} sizes but ${stride.length} strides`);
  if (shape.length > 64) fail(`${shape.length} dimensions, expected at most 64`);
  if (!Number.isSafeInteger(offset) || offset < 0) fail(`storage offset ${offset}, expected a non-negative integer`);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) fail(`size [${shape}], expected non-negative integers`);
  if (stride.some((n) => !Number.isSafeInteger(n) || n < 0)) fail(`stride [${stride}], expected non-negative integers`);
  const count = shape.reduce((a, b) => a * b, 1);
  const limit = readLimits().maxTensorElements;
  if (count > limit) fail(`size [${shape}] has ${count} elements, expected at most ${limit} (raise it with ${limitVariable('maxTensorElements')})`);
  if (count === 0) return;
  const last = lastElement(offset, shape, stride);
  const available = storage.available;
  if (!Number.isSafeInteger(last) || last >= available) {
    fail(`size [${shape}], stride [${stride}] and offset ${offset} reach element ${last}, but the storage holds ${available}`);
  }
}

function allocate(dtype: TorchDtype, count: number): TorchValues {
  switch (dtype) {
    case 'int64':
      return new BigInt64Array(count);
    case 'int32':
    case 'int16':
    case 'int8':
      return new Int32Array(count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(count);
    default:
      return new Float32Array(count);
  }
}

function reader(dtype: TorchDtype, view: DataView): (element: number) => number | bigint {
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * 4, true);
    case 'float64':
      return (i) => view.getFloat64(i * 8, true);
    case 'float16':
      return (i) => halfToFloat(view.getUint16(i * 2, true));
    case 'bfloat16':
      return (i) => bfloat16ToFloat(view.getUint16(i * 2, true));
    case 'int64':
      return (i) => view.getBigInt64(i * 8, true);
    case 'int32':
      return (i) => view.getInt32(i * 4, true);
    case 'int16':
      return (i) => view.getInt16(i * 2, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
      return (i) => view.getUint8(i);
    case 'bool':
      return (i) => (view.getUint8(i) !== 0 ? 1 : 0);
  }
}

/** IEEE 754 binary16 to a JS number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 (the upper half of a float32) to a JS number (exact). */
export function bfloat16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}
