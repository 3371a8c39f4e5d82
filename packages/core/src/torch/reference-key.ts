import { formatShape, imageSize, type ImageShape } from '../contracts/image.js';
import { reorder } from '../keys/key-file.js';
import { LinearKey } from '../keys/linear-key.js';
import { describePyValue } from './py-values.js';
import { readTorchFile } from './torch-file.js';
import { TorchTensor } from './torch-tensor.js';
import { firstNonFinite } from '../util/finite.js';
import { ReadError } from '../util/read-error.js';

/**
 * Reads a key file of the reference release (`key_N.pth`: `torch.save` of one float tensor with
 * C*H*W entries, flattened in CHW order as NCHW images are) into a {@link LinearKey}, converting
 * the vector to attrib's HWC order. `shape` is the image shape the key belongs to (the file does
 * not record it). A tensor of any rank is accepted if its size matches, flattened row-major.
 */
export async function readReferenceKey(file: string, shape: ImageShape, id: string): Promise<LinearKey> {
  const value = await readTorchFile(file);
  if (!(value instanceof TorchTensor)) throw new Error(`${file}: holds a ${describePyValue(value)}, expected one key tensor`);
  // Shape and dtype are checked before any value is read.
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(value.dtype)) {
    throw new Error(`${file}: key tensor is ${value.dtype}, expected a floating tensor`);
  }
  if (value.size !== imageSize(shape)) {
    throw new Error(`${file}: key has ${value.size} entries (shape [${value.shape}]); images of ${formatShape(shape)} need ${imageSize(shape)}`);
  }
  const values = value.toFloat32();
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new ReadError(file, `key holds ${values[bad]} at entry ${bad}; expected finite values`);
  return new LinearKey(id, shape, reorder(values, shape, 'CHW', 'HWC'));
}
