import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdx } from '../data/idx.js';
import { decodeCheckpoint, encodeCheckpoint } from '../io/checkpoint.js';
import { RunFolder, RUN_FORMAT, type RunManifest } from '../io/run-folder.js';
import { decodeKey, KEY_FORMAT, type KeyFile } from '../keys/key-file.js';
import { expectWithinBudget, runCase } from '@attrib/testing/fuzz/budget';
import { jsonMutations, mutations } from '@attrib/testing/fuzz/mutate';

// attrib's own formats against damaged and hostile input (see budget.ts for the assertion).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attrib-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** True size of a checkpoint's tensors (4 bytes per element), disposing them. */
function trueSizeOf(checkpoint: ReturnType<typeof decodeCheckpoint>): number {
  const tensors = Object.values(checkpoint.tensors);
  const bytes = tensors.reduce((n, t) => n + t.size * 4, 0);
  tf.dispose(tensors);
  return bytes;
}

async function validCheckpoint(): Promise<Uint8Array> {
  const tensors = { 'layer.weight': tf.tensor2d([[1, 2, 3], [4, 5, 6]]), 'layer.bias': tf.tensor1d([0.5, -0.5]), steps: tf.tensor1d([3], 'int32') };
  try {
    return await encodeCheckpoint(tensors, { kind: 'generator', adapter: 'dcgan', epochsDone: 2 });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** A checkpoint whose header JSON is `header`, followed by `data`. */
function checkpointWith(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + data.length);
  out.set(new TextEncoder().encode('ATTRIBCK'));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, 12 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))), data: bytes.subarray(12 + length) };
}

describe('fuzz: .ckpt reader', () => {
  it('reads or refuses 800 damaged copies and 400 hostile headers', async () => {
    const valid = await validCheckpoint();
    for (const [i, mutation] of mutations(valid, 800, 3000).entries()) {
      const result = await runCase(() => trueSizeOf(decodeCheckpoint(mutation.bytes, 'fuzz.ckpt')));
      expectWithinBudget(result, 'fuzz.ckpt', mutation.bytes.length, result.ok ? (result.value as number) : 0, `mutation ${i} (${mutation.kind})`);
    }
    const { header, data } = headerOf(valid);
    for (const [i, text] of jsonMutations(header, 3001, 400).entries()) {
      const bytes = checkpointWith(text, data);
      const result = await runCase(() => trueSizeOf(decodeCheckpoint(bytes, 'fuzz.ckpt')));
      expectWithinBudget(result, 'fuzz.ckpt', bytes.length, result.ok ? (result.value as number) : 0, `header ${i}: ${text}`);
    }
  });

  it('a negative offset, a huge shape, a lying byteLength, NaN weights: refused, naming the tensor', async () => {
    const { header, data } = headerOf(await validCheckpoint());
    const tensors = header.tensors as Record<string, unknown>[];
    const cases: [Record<string, unknown>, Uint8Array, RegExp][] = [
      [{ ...tensors[0], offset: -6 }, data, /tensor layer\.weight has offset -6, expected a non-negative integer/],
      [{ ...tensors[0], shape: [1e9, 1e9] }, data, /tensor layer\.weight has 1000000000000000000 elements, expected at most/],
      [{ ...tensors[0], byteLength: 4e9 }, data, /tensor layer\.weight of shape \[2, 3\] has byteLength 4000000000, expected 24/],
      [{ ...tensors[0], dtype: 'float64' }, data, /tensor layer\.weight has dtype float64, expected float32 or int32/],
      [{ ...tensors[0], offset: 1e15 }, data, /tensor layer\.weight is truncated/],
      [tensors[0]!, new Uint8Array(new Float32Array([1, NaN, 3, 4, 5, 6, 0.5, -0.5, 0]).buffer), /tensor layer\.weight holds NaN at element 1; expected finite values/],
    ];
    for (const [entry, bytes, expected] of cases) {
      const file = checkpointWith({ ...header, tensors: [entry, ...tensors.slice(1)] }, bytes);
      const result = await runCase(() => trueSizeOf(decodeCheckpoint(file, 'crafted.ckpt')));
      expectWithinBudget(result, 'crafted.ckpt', file.length, 0, String(expected));
      expect(result.message).toMatch(expected);
    }
    for (const [value, expected] of [[{ ...header, tensors: null }, /header\.tensors is not a list of tensors/], ['null', /header is not a JSON object/], [{ ...header, format: 'x' }, /format x, expected attrib-checkpoint\/1/]] as const) {
      const result = await runCase(() => decodeCheckpoint(checkpointWith(value, data), 'crafted.ckpt'));
      expect(result.message).toMatch(expected);
    }
  });
});

describe('fuzz: key files', () => {
  const shape = { height: 4, width: 4, channels: 1 };
  const vector = (values: Float32Array): string => Buffer.from(values.buffer).toString('base64');
  const valid: KeyFile = { format: KEY_FORMAT, id: 'key-1', shape, order: 'HWC', norm: 1, vector: vector(new Float32Array(16).fill(0.25)) };

  it('reads or refuses 600 damaged and hostile key files', async () => {
    const text = JSON.stringify(valid);
    const bytes = new TextEncoder().encode(text);
    const cases = [
      ...mutations(bytes, 300, 4000).map((m) => new TextDecoder().decode(m.bytes)),
      ...jsonMutations(valid, 4001, 300),
    ];
    for (const [i, body] of cases.entries()) {
      const result = await runCase(() => {
        const key = decodeKey(body, 'fuzz/key.json');
        key.dispose();
        return key.id;
      });
      expectWithinBudget(result, 'fuzz/key.json', body.length, 16 * 4, `case ${i}: ${body.slice(0, 200)}`);
      if (result.ok) expect(result.value).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    }
  });

  it('a key without an id, of NaNs, of the wrong length, of a huge shape: refused', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...valid, id: undefined }, /^k\.json: id null; expected the key's id/],
      [{ ...valid, vector: vector(new Float32Array(16).fill(NaN)) }, /^k\.json: vector holds NaN at entry 0; expected finite values$/],
      [{ ...valid, vector: vector(new Float32Array([1, 2, Infinity, ...new Float32Array(13)])) }, /vector holds Infinity at entry 2/],
      [{ ...valid, vector: vector(new Float32Array(15)) }, /vector of 80 base64 characters; shape 4x4x1 needs 16 float32 values/],
      [{ ...valid, shape: { height: 1e6, width: 1e6, channels: 3 } }, /shape 1000000x1000000x3 needs/],
      [{ ...valid, shape: { height: 0, width: 4, channels: 1 } }, /shape .*expected positive integers/],
      [{ ...valid, order: 'WHC' }, /order WHC, expected HWC or CHW/],
      [[1, 2], /holds no JSON object; expected an attrib key file/],
    ];
    for (const [body, expected] of cases) expect(() => decodeKey(JSON.stringify(body), 'k.json')).toThrow(expected);
  });
});

describe('fuzz: run manifests', () => {
  const manifest: RunManifest = {
    format: RUN_FORMAT, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', seed: 0,
    versions: { attrib: '0.1.0', tfjs: '4.22.0', node: 'v20' }, backend: 'cpu', adapter: 'dcgan',
    imageShape: { height: 32, width: 32, channels: 1 },
    root: { checkpoint: 'root.ckpt', source: '/x/root.ckpt', sha256: 'a'.repeat(64), bytes: 10 },
    data: { source: 'mnist' }, config: { first: {} }, keys: ['key-1'], generators: ['key-1'], robust: { blur: ['key-1'] },
    progress: { first: { stage: 'first', epochs: 1, epochsDone: 1, done: true, updatedAt: '2024-01-01T00:00:00.000Z' } },
  };

  it('opens or refuses 300 damaged and hostile manifests, naming manifest.json', async () => {
    const text = JSON.stringify(manifest);
    const cases = [
      ...mutations(new TextEncoder().encode(text), 150, 5000).map((m) => Buffer.from(m.bytes)),
      ...jsonMutations(manifest, 5001, 150).map((t) => Buffer.from(t)),
    ];
    const run = join(dir, 'run');
    const file = join(run, 'manifest.json');
    for (const [i, body] of cases.entries()) {
      await rm(run, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(run, { recursive: true }));
      await writeFile(file, body);
      const result = await runCase(async () => {
        const m = (await RunFolder.open(run)).manifest;
        // What commands do with a manifest: these must not throw once it opened.
        return [m.keys.filter(Boolean), m.generators.map(String), Object.entries(m.robust).flatMap(([, ids]) => ids), Object.values(m.progress).length, m.root.sha256.slice(0, 1)];
      });
      expectWithinBudget(result, file, body.length, 0, `case ${i}: ${body.toString('utf8').slice(0, 200)}`);
    }
  });

  it('keys that are not a list: the field and what was expected', async () => {
    const run = join(dir, 'run-keys');
    await import('node:fs/promises').then((fs) => fs.mkdir(run, { recursive: true }));
    await writeFile(join(run, 'manifest.json'), JSON.stringify({ ...manifest, keys: { a: 1 } }));
    await expect(RunFolder.open(run)).rejects.toThrow(new RegExp(`^${join(run, 'manifest.json')}: field keys is an object; expected a list of key ids$`));
  });
});

describe('fuzz: IDX files', () => {
  const idx = (dims: number[], data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(4 + 4 * dims.length + data.length);
    out.set([0, 0, 8, dims.length]);
    dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
    out.set(data, 4 + 4 * dims.length);
    return out;
  };

  it('reads or refuses 600 damaged IDX files, plain and gzipped', async () => {
    const { gzipSync } = await import('node:zlib');
    const valid = idx([3, 4, 4], Uint8Array.from({ length: 48 }, (_, i) => i * 5));
    const cases = [...mutations(valid, 400, 6000), ...mutations(new Uint8Array(gzipSync(valid)), 200, 6001)];
    for (const [i, mutation] of cases.entries()) {
      const result = await runCase(() => parseIdx(mutation.bytes, 'fuzz.idx').data.length);
      expectWithinBudget(result, 'fuzz.idx', mutation.bytes.length, 0, `mutation ${i} (${mutation.kind})`);
    }
  });

  it('16 bytes claiming 4,000,000 images of 0x0, or more images than bytes: refused at once', async () => {
    const zero = await runCase(() => parseIdx(idx([4_000_000, 0, 0], new Uint8Array(0)), 'blank.idx'));
    expect(zero.message).toBe('blank.idx: IDX dimension 2 of 4000000x0x0 is 0; expected non-empty data');
    expect(zero.ms).toBeLessThan(50);
    const many = await runCase(() => parseIdx(idx([4_000_000, 28, 28], new Uint8Array(100)), 'short.idx'));
    expect(many.message).toMatch(/^short\.idx: truncated IDX data \(100 bytes for dimensions 4000000x28x28, need 3136000000\)/);
  });
});
