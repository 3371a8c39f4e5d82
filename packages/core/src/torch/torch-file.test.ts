import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PyObject, pyToJson, type PyValue } from './py-values.js';
import { stateDictTensors, stripDataParallelPrefix, toNamedTensors } from './state-dict.js';
import { decodeTorchFile, readTorchFile } from './torch-file.js';
import { TorchTensor } from './torch-tensor.js';

// Fixtures written by fixtures/make_fixtures.py with PyTorch 1.13; expected.json is PyTorch's own
// reading of the same objects.
const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const fixture = (name: string): string => join(FIXTURES, name);

interface ExpectedTensor { dtype: string; shape: number[]; values: (number | boolean)[] }
const expected = JSON.parse(await readFile(fixture('expected.json'), 'utf8')) as {
  checkpoint: { netG: Record<string, ExpectedTensor>; config: { class: string; fields: Record<string, unknown> }; meta: Record<string, unknown> };
  strides: Record<string, number[]>;
  module_state: Record<string, ExpectedTensor>;
};

/** Expected values as our reader represents them (float32 for floating dtypes). */
function expectedValues(tensor: ExpectedTensor): (number | bigint)[] {
  if (tensor.dtype === 'int64') return tensor.values.map((v) => BigInt(v as number));
  if (tensor.dtype === 'bool') return tensor.values.map((v) => (v ? 1 : 0));
  if (tensor.dtype.startsWith('float')) return tensor.values.map((v) => Math.fround(v as number));
  return tensor.values as number[];
}

function expectTensor(actual: PyValue | undefined, want: ExpectedTensor, name: string): void {
  expect(actual, name).toBeInstanceOf(TorchTensor);
  const tensor = actual as TorchTensor;
  expect(tensor.dtype, name).toBe(want.dtype);
  expect([...tensor.shape], name).toEqual(want.shape);
  expect(Array.from(tensor.values as ArrayLike<number | bigint>), name).toEqual(expectedValues(want));
}

describe.each(['checkpoint_zip.pth', 'checkpoint_zip_p4.pth', 'checkpoint_legacy.pth'])('readTorchFile(%s)', (file) => {
  it('reads every tensor as PyTorch does: dtypes, offsets, non-contiguous and zero strides, parameters', async () => {
    const root = await readTorchFile(fixture(file));
    expect(root).toBeInstanceOf(Map);
    const netG = (root as Map<string, PyValue>).get('netG') as Map<string, PyValue>;
    expect([...netG.keys()]).toEqual(Object.keys(expected.checkpoint.netG));
    for (const [name, want] of Object.entries(expected.checkpoint.netG)) expectTensor(netG.get(name), want, name);
    for (const [name, stride] of Object.entries(expected.strides)) {
      if (stride.length) expect([...(netG.get(name) as TorchTensor).stride], name).toEqual(stride);
    }
    expect((netG.get('param') as TorchTensor).isParameter).toBe(true);
    expect((netG.get('param') as TorchTensor).requiresGrad).toBe(true);
    expect((netG.get('conv.weight') as TorchTensor).isParameter).toBe(false);
  });

  it('reads a plain config object as inert data and keeps other values', async () => {
    const root = (await readTorchFile(fixture(file))) as Map<string, PyValue>;
    const config = root.get('config');
    expect(config).toBeInstanceOf(PyObject);
    expect((config as PyObject).className).toBe(expected.checkpoint.config.class);
    expect(pyToJson((config as PyObject).fields)).toEqual(expected.checkpoint.config.fields);
    const meta = root.get('meta') as Map<string, PyValue>;
    expect(Object.isFrozen(meta.get('pair'))).toBe(true); // a tuple
    expect(pyToJson(meta)).toEqual(expected.checkpoint.meta);
  });

  it('names the file when it is truncated', async () => {
    const bytes = await readFile(fixture(file));
    for (const length of [bytes.length - 10, Math.floor(bytes.length / 2), 40]) {
      expect(() => {
        const root = decodeTorchFile(bytes.subarray(0, length), 'cut.pth') as Map<string, PyValue>;
        // Legacy files cut inside the storages only fail when the data is used.
        for (const tensor of stateDictTensors(root, 'cut.pth', 'netG').values()) void tensor.values;
      }).toThrow(/^cut\.pth: /);
    }
  });
});

describe.each(['module_state_zip.pth', 'module_state_legacy.pth'])('an nn.Module state_dict (%s)', (file) => {
  it('reads the OrderedDict (with its _metadata) and converts to TensorFlow.js tensors', async () => {
    const tensors = stateDictTensors(await readTorchFile(fixture(file)), file);
    expect([...tensors.keys()]).toEqual(Object.keys(expected.module_state));
    const named = toNamedTensors(tensors);
    try {
      for (const [name, want] of Object.entries(expected.module_state)) {
        expect(named[name]!.shape, name).toEqual(want.shape);
        expect(named[name]!.dtype, name).toBe(want.dtype === 'int64' ? 'int32' : 'float32');
        expect(Array.from(named[name]!.dataSync()), name).toEqual(want.values.map((v) => Math.fround(v as number)));
      }
    } finally {
      tf.dispose(Object.values(named));
    }
  });
});

describe('a whole pickled nn.Module (torch.save(model))', () => {
  it('reads as inert objects whose parameters and buffers form the state dict', async () => {
    const root = await readTorchFile(fixture('module_whole.pth'));
    expect(root).toBeInstanceOf(PyObject);
    expect((root as PyObject).className).toBe('__main__.SmallNet');
    const tensors = stateDictTensors(root, 'module_whole.pth');
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected.module_state).sort());
    for (const [name, want] of Object.entries(expected.module_state)) expectTensor(tensors.get(name), want, name);
  });

  it('strips the nn.DataParallel prefix only when every name has it', async () => {
    const tensors = stateDictTensors(await readTorchFile(fixture('module_state_zip.pth')), 'm');
    const wrapped = new Map([...tensors].map(([k, v]) => [`module.${k}`, v]));
    expect([...stripDataParallelPrefix(wrapped).keys()]).toEqual([...tensors.keys()]);
    wrapped.set('extra', tensors.get('fc.bias')!);
    expect([...stripDataParallelPrefix(wrapped).keys()]).toEqual([...wrapped.keys()]);
  });
});

describe('refusing code', () => {
  it.each(['malicious_zip.pth', 'malicious_legacy.pth'])('refuses the os.system call pickled in %s, naming it', async (file) => {
    await expect(readTorchFile(fixture(file))).rejects.toThrow(
      new RegExp(`${file.replace('.', '\\.')}: pickle calls (os|posix)\\.system \\(REDUCE at byte \\d+\\), which attrib refuses to run`),
    );
  });

  it('refuses opcodes it does not implement, by name', () => {
    // PROTO 2, INST 'os\nsystem\n' (protocol 0 object creation), STOP
    const bytes = Uint8Array.from([0x80, 0x02, 0x28, ...new TextEncoder().encode('ios\nsystem\n'), 0x2e]);
    expect(() => decodeTorchFile(bytes, 'inst.pkl')).toThrow('inst.pkl: pickle opcode INST at byte 3 is not supported');
  });

  it('rejects files that are no checkpoint', () => {
    expect(() => decodeTorchFile(new TextEncoder().encode('hello'), 'a.txt')).toThrow('a.txt: not a PyTorch checkpoint');
    expect(() => decodeTorchFile(new Uint8Array(0), 'empty.pth')).toThrow('empty.pth: empty file');
  });

  it('names a missing file', async () => {
    await expect(readTorchFile(fixture('nope.pth'))).rejects.toThrow(/nope\.pth: cannot read PyTorch file \(ENOENT\)/);
  });
});
