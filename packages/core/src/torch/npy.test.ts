import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from './npy.js';

// Arrays written by numpy (fixtures/make_fixtures.py); expected.json holds numpy's own values.
const NPY = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'npy');
const expected = (JSON.parse(await readFile(join(NPY, '..', 'expected.json'), 'utf8')) as {
  npy: Record<string, { shape: number[]; values: number[] }>;
}).npy;

describe('npy', () => {
  it.each(Object.keys(expected))('reads %s.npy as numpy wrote it', async (name) => {
    const array = await readNpy(join(NPY, `${name}.npy`));
    const want = expected[name]!;
    expect([...array.shape]).toEqual(want.shape);
    const floating = name.startsWith('f');
    expect(array.dtype).toBe(floating ? 'float32' : 'int32');
    expect(Array.from(array.values)).toEqual(floating ? want.values.map(Math.fround) : want.values);
  });

  it('reads format version 2 headers', async () => {
    const array = await readNpy(join(NPY, 'f4_v2.npy'));
    expect(Array.from(array.values)).toEqual(expected.f4_2x3!.values.map(Math.fround));
  });

  it('writes float32 files byte for byte as numpy.save does', async () => {
    for (const name of ['f4_2x3', 'f4_scalar', 'f4_1x2x2x3']) {
      const numpyBytes = await readFile(join(NPY, `${name}.npy`));
      const ours = encodeNpy(decodeNpy(numpyBytes));
      expect(Buffer.from(ours).equals(numpyBytes), name).toBe(true);
    }
  });

  it('round-trips int32 arrays through a file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'attrib-npy-')), 'a.npy');
    await writeNpy(file, { shape: [3], dtype: 'int32', values: Int32Array.from([1, -5, 9]) });
    const back = await readNpy(file);
    expect(back.dtype).toBe('int32');
    expect(Array.from(back.values)).toEqual([1, -5, 9]);
  });

  it('rejects what it cannot read, naming the file', async () => {
    await expect(readNpy(join(NPY, 'fortran.npy'))).rejects.toThrow(/fortran\.npy: not a readable \.npy file \(Fortran-order/);
    await expect(readNpy(join(NPY, 'i8_big.npy'))).rejects.toThrow(/i8_big\.npy: .*element 0 is 1099511627776, outside int32/);
    const bytes = await readFile(join(NPY, 'f4_2x3.npy'));
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 4), 'cut.npy')).toThrow(
      'cut.npy: not a readable .npy file (data truncated: 6 elements of <f4 need 24 bytes, found 20)',
    );
    expect(() => decodeNpy(new TextEncoder().encode('not numpy'), 'x.npy')).toThrow('x.npy: not a readable .npy file (missing');
    expect(() => encodeNpy({ shape: [2, 2], dtype: 'float32', values: new Float32Array(3) })).toThrow('npy: shape [2, 2] needs 4 values, got 3');
  });
});
