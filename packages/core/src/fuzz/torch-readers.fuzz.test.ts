import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from '../torch/npy.js';
import { PyObject, type PyValue } from '../torch/py-values.js';
import { stateDictTensors } from '../torch/state-dict.js';
import { decodeTorchFile } from '../torch/torch-file.js';
import { TorchTensor } from '../torch/torch-tensor.js';
import { expectWithinBudget, runCase } from '@attrib/testing/fuzz/budget';
import { mutations } from '@attrib/testing/fuzz/mutate';
import { PickleBuilder, stateDictPickle } from '@attrib/testing/fuzz/pickle-builder';
import { torchZip, zerosBomb } from '@attrib/testing/fuzz/zip-builder';

// Every reader of PyTorch and NumPy files against damaged and hostile input: each case reads
// correctly or is refused with one line naming the file and what was expected, within 5 s and a
// peak memory growth of 4x the file plus the declared tensors' true size (see budget.ts).

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'torch', 'fixtures');
const PTH = ['checkpoint_zip.pth', 'checkpoint_zip_p4.pth', 'checkpoint_legacy.pth', 'key_1.pth', 'module_state_legacy.pth', 'module_state_zip.pth', 'module_whole.pth'];

/** Every tensor in a value read from a checkpoint, found without recursion. */
function tensorsIn(value: PyValue): TorchTensor[] {
  const found: TorchTensor[] = [];
  const seen = new Set<unknown>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object' || seen.has(item)) continue;
    seen.add(item);
    if (item instanceof TorchTensor) found.push(item);
    else if (item instanceof Map) pending.push(...item.values());
    else if (Array.isArray(item)) for (const child of item) pending.push(child);
    else if (item instanceof PyObject) pending.push(...item.fields.values());
  }
  return found;
}

/**
 * A `.pth` read as a command reads one: decode, find the state dict of a whole module, read every
 * tensor's values. Returns the true size of the values read, in bytes.
 */
function readPth(bytes: Uint8Array, source: string): number {
  const value = decodeTorchFile(bytes, source);
  if (value instanceof PyObject && value.fields.has('_modules')) stateDictTensors(value, source);
  let trueBytes = 0;
  for (const tensor of tensorsIn(value)) {
    void tensor.values;
    trueBytes += tensor.size * (tensor.dtype === 'int64' ? 8 : 4);
  }
  return trueBytes;
}

async function expectPth(bytes: Uint8Array, source: string, what: string): Promise<ReturnType<typeof runCase>> {
  const result = await runCase(() => readPth(bytes, source));
  expectWithinBudget(result, source, bytes.length, result.ok ? (result.value as number) : 0, what);
  return result;
}

describe('fuzz: .pth readers (zip and legacy)', () => {
  it('reads or refuses 1,400 damaged copies of the torch.save fixtures', async () => {
    let refused = 0;
    for (const [f, name] of PTH.entries()) {
      const valid = new Uint8Array(readFileSync(join(FIXTURES, name)));
      for (const [i, mutation] of mutations(valid, 200, 1000 + f).entries()) {
        const result = await expectPth(mutation.bytes, `fuzz/${name}`, `${name} mutation ${i} (${mutation.kind})`);
        if (!result.ok) refused += 1;
      }
    }
    // Most damage is noticed (CRC-32 in zips, structure in legacy pickles): not silently read.
    expect(refused).toBeGreaterThan(1000);
  });

  it('refuses every zip .pth with one flipped data byte (CRC-32)', async () => {
    const valid = new Uint8Array(readFileSync(join(FIXTURES, 'checkpoint_zip.pth')));
    // The data of the first storage entry: past its local header, name and extra field.
    const view = new DataView(valid.buffer, valid.byteOffset);
    let central = 0;
    while (!(view.getUint32(central, true) === 0x02014b50 && new TextDecoder().decode(valid.subarray(central + 46, central + 46 + view.getUint16(central + 28, true))).endsWith('/data/0'))) {
      central += 1;
      expect(central).toBeLessThan(valid.length);
    }
    const length = view.getUint32(central + 20, true);
    const local = view.getUint32(central + 42, true);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    expect(length).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) {
      const bytes = valid.slice();
      const at = start + ((i * 37) % length);
      bytes[at] ^= 0x10;
      const result = await expectPth(bytes, 'flip.pth', `flip at ${at}`);
      expect(result.ok, `flip at ${at}`).toBe(false);
    }
  });
});

describe('fuzz: crafted hostile .pth files', () => {
  const source = 'crafted.pth';
  const floats = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).fill(0.5).buffer);

  it('a tensor of shape [1e9] with stride 0 on a one-element storage: refused at once', async () => {
    const bytes = torchZip(stateDictPickle([{ name: 'w', numel: 1, size: [1e9], stride: [0] }]), { 0: floats(1) });
    const result = await expectPth(bytes, source, 'shape 1e9');
    expect(result.message).toMatch(/^crafted\.pth: tensor on storage 0: size \[1000000000\] has 1000000000 elements, expected at most \d+ \(raise it with ATTRIB_MAX_TENSOR_ELEMENTS\)$/);
    expect(result.ms).toBeLessThan(100);
  });

  it('a real state dict plus such a tensor: refused, not gathered', async () => {
    const bytes = torchZip(stateDictPickle([
      { name: 'a', numel: 6, size: [2, 3], stride: [3, 1] },
      { name: 'huge', numel: 1, size: [40000, 40000], stride: [0, 0] },
    ]), { 0: floats(6), 1: floats(1) });
    expect((await expectPth(bytes, source, 'extra huge tensor')).message).toMatch(/expected at most/);
  });

  it('sizes, strides and offsets outside the storage, negative or not integers', async () => {
    const cases: [string, Parameters<typeof stateDictPickle>[0][number], RegExp][] = [
      ['past the end', { name: 'w', numel: 4, size: [5], stride: [1] }, /reach element 4, but the storage holds 4/],
      ['stride past the end', { name: 'w', numel: 4, size: [2, 2], stride: [3, 1] }, /reach element 4/],
      ['negative offset', { name: 'w', numel: 4, offset: -6, size: [2], stride: [1] }, /storage offset -6, expected a non-negative integer/],
      ['negative size', { name: 'w', numel: 4, size: [-5], stride: [1] }, /size \[-5\], expected non-negative integers/],
      ['negative stride', { name: 'w', numel: 4, size: [2], stride: [-1] }, /stride \[-1\], expected non-negative integers/],
      ['size and stride of different ranks', { name: 'w', numel: 4, size: [2, 2], stride: [1] }, /2 sizes but 1 strides/],
    ];
    for (const [what, tensor, expected] of cases) {
      const bytes = torchZip(stateDictPickle([tensor]), { 0: floats(4) });
      expect((await expectPth(bytes, source, what)).message, what).toMatch(expected);
    }
  });

  it('a storage declaring more elements than its entry holds: refused before inflating', async () => {
    const bytes = torchZip(stateDictPickle([{ name: 'w', numel: 1e9, size: [2], stride: [1] }]), { 0: floats(4) });
    expect((await expectPth(bytes, source, 'numel 1e9')).message).toMatch(/storage 0 has 16 bytes, expected 4000000000/);
  });

  it('a zip entry declaring 10 bytes that inflates to 1 GiB: stopped at the declared size', async () => {
    const bomb = zerosBomb(1024);
    const bytes = torchZip(stateDictPickle([{ name: 'w', numel: 2, size: [2], stride: [1] }]), { 0: floats(2) }, {
      'archive/data/0': { compressed: bomb, declaredSize: 10 },
    });
    expect(bytes.length).toBeLessThan(1.5 * 2 ** 20);
    const result = await expectPth(bytes, source, 'zip bomb');
    expect(result.message).toMatch(/entry archive\/data\/0 inflates to more than its declared 10 bytes/);
  });

  it('a zip entry declaring 1 GiB from 1 MiB of deflate: refused (more than deflate can hold) or capped', async () => {
    const bytes = torchZip(stateDictPickle([{ name: 'w', numel: 2, size: [2], stride: [1] }]), { 0: floats(2) }, {
      'archive/data/0': { compressed: zerosBomb(4), declaredSize: 2 ** 30 },
    });
    expect((await expectPth(bytes, source, 'declared 1 GiB')).message).toMatch(/declares 1073741824 bytes from \d+ compressed, more than deflate can hold/);
  });

  it('a LONG4 of 300 KB: refused at once', async () => {
    const p = new PickleBuilder().proto(2).op(0x8b).u32(300_000).raw(new Uint8Array(300_000).fill(7)).stop();
    const bytes = torchZip(p.bytes(), {});
    const result = await expectPth(bytes, source, 'LONG4');
    expect(result.message).toMatch(/pickled integer of 300000 bytes \(LONG4 at byte \d+\), expected at most 1024/);
    expect(result.ms).toBeLessThan(500);
  });

  it('length opcodes declaring more bytes than remain', async () => {
    for (const [op, name] of [[0x58, 'BINUNICODE'], [0x42, 'BINBYTES'], [0x8b, 'LONG4'], [0x54, 'BINSTRING']] as const) {
      const p = new PickleBuilder().proto(2).op(op).u32(0xfffffff0).raw(new Uint8Array(8)).stop();
      const result = await expectPth(torchZip(p.bytes(), {}), source, name);
      expect(result.message, name).toMatch(new RegExp(`${name} at byte \\d+ declares 4294967280 bytes but only \\d+ remain`));
    }
  });

  it('modules nested 20,000 deep: a clear error, not a stack overflow', async () => {
    const depth = 20_000;
    const p = new PickleBuilder().proto(2);
    for (let i = 0; i < depth; i++) p.global('torch.nn', 'Module').emptyTuple().newObj().emptyDict().str('_modules').emptyDict().str('a');
    p.none();
    for (let i = 0; i < depth; i++) p.setItem().setItem().build();
    const result = await expectPth(torchZip(p.stop().bytes(), {}), source, 'deep modules');
    expect(result.message).toMatch(/^crafted\.pth: modules nested more than 1000 deep, expected a model \(raise the limit with ATTRIB_MAX_NESTING\)$/);
  });

  it('a module whose _modules holds itself: a clear error', async () => {
    const p = new PickleBuilder().proto(2).global('torch.nn', 'Module').emptyTuple().newObj().binPut(0)
      .emptyDict().str('_modules').emptyDict().str('self').binGet(0).setItem().setItem().build().stop();
    const result = await expectPth(torchZip(p.bytes(), {}), source, 'cyclic modules');
    expect(result.message).toMatch(/^crafted\.pth: module self contains itself; expected a tree of nn\.Modules$/);
  });

  it('300,000 APPENDS in one list: read', async () => {
    const p = new PickleBuilder().proto(2).emptyList().mark();
    for (let i = 0; i < 300_000; i++) p.none();
    const result = await expectPth(torchZip(p.op(0x65).stop().bytes(), {}), source, 'APPENDS');
    expect(result.ok, result.message).toBe(true);
  });

  it('text that is not UTF-8, opcodes without MARK, unknown opcodes and calls: one line each', async () => {
    const cases: [Uint8Array, RegExp][] = [
      [new PickleBuilder().proto(2).op(0x8c, 2, 0xff, 0xfe).stop().bytes(), /SHORT_BINUNICODE before byte \d+ holds text that is not UTF-8/],
      [new PickleBuilder().proto(2).op(0x74).stop().bytes(), /TUPLE without a MARK/],
      [new PickleBuilder().proto(2).op(0xf0).stop().bytes(), /pickle opcode 0xf0 at byte 2 is not supported/],
      [new PickleBuilder().proto(2).global('os', 'system').str('echo hi').op(0x85).reduce().stop().bytes(), /pickle calls os\.system .* which attrib refuses to run/],
    ];
    for (const [pickle, expected] of cases) {
      expect((await expectPth(torchZip(pickle, {}), source, String(expected))).message).toMatch(expected);
    }
  });
});

describe('fuzz: .npy reader', () => {
  const NPY = join(FIXTURES, 'npy');

  it('reads or refuses 1,000 damaged copies of the numpy fixtures', async () => {
    const names = readdirSync(NPY).filter((name) => name.endsWith('.npy'));
    for (const [f, name] of names.entries()) {
      const valid = new Uint8Array(readFileSync(join(NPY, name)));
      for (const [i, mutation] of mutations(valid, Math.ceil(1000 / names.length), 2000 + f).entries()) {
        const result = await runCase(() => decodeNpy(mutation.bytes, `fuzz/${name}`));
        const trueBytes = result.ok ? (result.value as { values: Float32Array }).values.byteLength : 0;
        expectWithinBudget(result, `fuzz/${name}`, mutation.bytes.length, trueBytes, `${name} mutation ${i} (${mutation.kind})`);
      }
    }
  });

  it('a header declaring a huge shape, NaN values, an odd dtype: refused', async () => {
    const npy = (header: string, data: Uint8Array): Uint8Array => {
      const text = `${header}\n`;
      const out = new Uint8Array(10 + text.length + data.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, text.length, true);
      out.set(new TextEncoder().encode(text), 10);
      out.set(data, 10 + text.length);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", new Uint8Array(8)), /expected at most \d+; raise it with ATTRIB_MAX_TENSOR_ELEMENTS/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }", new Uint8Array(8)), /data truncated: 1000000 elements of <f4 need 4000000 bytes, found 8/],
      [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(new Float32Array([1, NaN]).buffer)), /element 1 is NaN; expected finite values/],
      [npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)), /dtype <c16; expected little-endian float/],
      [npy("{'descr': 'constructor', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)), /dtype constructor; expected/],
    ];
    for (const [bytes, expected] of cases) {
      const result = await runCase(() => decodeNpy(bytes, 'crafted.npy'));
      expectWithinBudget(result, 'crafted.npy', bytes.length, 0, String(expected));
      expect(result.message).toMatch(expected);
    }
  });
});
