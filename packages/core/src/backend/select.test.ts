import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, selectBackend } from './select.js';

/** Whether tfjs-node-gpu's native addon was installed (it never is on this CPU-only machine). */
function nodeGpuAddonPresent(): boolean {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu/package.json'));
    const lib = join(root, 'lib');
    return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

const savedEnv = process.env['ATTRIB_BACKEND'];
afterEach(() => {
  if (savedEnv === undefined) delete process.env['ATTRIB_BACKEND'];
  else process.env['ATTRIB_BACKEND'] = savedEnv;
});

describe('selectBackend', () => {
  it.skipIf(nodeGpuAddonPresent())('picks wasm here, recording the failed tfjs-node-gpu and tfjs-node attempts', async () => {
    delete process.env['ATTRIB_BACKEND'];
    const selection = await selectBackend();
    expect(selection.name).toBe('wasm');
    expect(selection.forced).toBe(false);
    expect(selection.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tfjs-node-gpu', false],
      ['tfjs-node', false],
      ['wasm', true],
    ]);
    expect(selection.attempts[0]!.reason).toMatch(/tfjs_binding\.node/);
    expect(selection.attempts[0]!.reason).not.toContain('\n');
    expect(tf.getBackend()).toBe('wasm');
    // The training kernels come with wasm.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('ATTRIB_BACKEND=cpu forces cpu; --backend (prefer) wins over the variable', async () => {
    process.env['ATTRIB_BACKEND'] = 'cpu';
    const cpu = await selectBackend();
    expect(cpu).toEqual({ name: 'cpu', forced: true, attempts: [{ name: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend({ prefer: 'WASM' });
    expect(wasm.name).toBe('wasm');
    expect(wasm.forced).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a bogus name is a one-line error that lists the valid names and where it came from', async () => {
    await expect(selectBackend({ prefer: 'gpu9' })).rejects.toThrow(
      /^unknown backend 'gpu9' in --backend: expected one of tensorflow, node-gpu, node, wasm, cpu$/,
    );
    process.env['ATTRIB_BACKEND'] = 'metal';
    await expect(selectBackend()).rejects.toThrow(/^unknown backend 'metal' in ATTRIB_BACKEND: expected one of .*wasm, cpu$/);
  });

  it.skipIf(nodeGpuAddonPresent())('forcing tensorflow (or node-gpu) here is an error naming it and why', async () => {
    for (const prefer of ['tensorflow', 'node-gpu', 'node']) {
      const error = await selectBackend({ prefer }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toMatch(/^backend 'tensorflow' forced by --backend is unavailable \(tfjs-node-gpu: .*tfjs_binding\.node.*; tfjs-node: .+\)$/);
      expect(error!.message).not.toContain('\n');
    }
  });

  it('is cheap to call again', async () => {
    delete process.env['ATTRIB_BACKEND'];
    const first = await selectBackend();
    const started = performance.now();
    const second = await selectBackend();
    expect(performance.now() - started).toBeLessThan(50);
    expect(second).toEqual(first);
  });
});

describe('describeBackends', () => {
  it('reports every candidate without changing the active backend', async () => {
    await selectBackend({ prefer: 'cpu' });
    const report = await describeBackends();
    expect(tf.getBackend()).toBe('cpu');
    expect(report.active).toBe('cpu');
    expect(report.candidates.map((c) => [c.name, c.backend])).toEqual([
      ['tfjs-node-gpu', 'tensorflow'],
      ['tfjs-node', 'tensorflow'],
      ['wasm', 'wasm'],
      ['cpu', 'cpu'],
    ]);
    expect(report.candidates.slice(2).every((c) => c.ok)).toBe(true);
    if (!nodeGpuAddonPresent()) expect(report.candidates[0]!.reason).toMatch(/tfjs_binding\.node/);
    expect(report.versions['tfjs-core']).toBe(tf.version_core);
    expect(report.versions['tfjs-backend-wasm']).toBe('4.22.0');
  });
});
