import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdamUpdate, type AdamUpdateAttrs } from '../ops/adam-update-op.js';
import { KernelScope } from './kernel-scope.js';
import { ADAM_CONSTANTS, adamUpdateOn } from '../simd/adam-update-simd.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap.js';

/**
 * The {@link AdamUpdate} kernel: one pass over the variable, its moments and its gradient
 * (simd/adam-update.ts) where tf ops make about a dozen. Values past the last whole group of 4,
 * or all of them where the heap cannot be imported, are computed here with the same float32
 * operations.
 */
export function makeAdamUpdateKernel(backendName: string): KernelConfig {
  const kernelFunc = (args: { inputs: Record<string, TensorInfo | undefined>; backend: KernelBackend; attrs: AdamUpdateAttrs }): TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const { variable, m, v, gradient } = inputs;
    if (variable === undefined || m === undefined || v === undefined || gradient === undefined) {
      throw new Error(`${AdamUpdate} needs inputs variable, m, v and gradient`);
    }
    for (const t of [variable, m, v, gradient]) {
      if (t.dtype !== 'float32') throw new Error(`${AdamUpdate}: every input must be float32, got ${t.dtype}`);
    }
    const heap = backend as WasmHeapBackend;
    const scope = new KernelScope(backend, backendName);
    try {
      const outputs = [0, 1, 2].map(() => heap.makeOutput(variable.shape, 'float32'));
      const constants = constantsOf(attrs);
      const placed = scope.constant(constants, [constants.length]);
      const [p, mIn, vIn, g, pOut, mOut, vOut, c] = [variable, m, v, gradient, ...outputs, placed].map((t) => heap.typedArrayFromHeap(t));
      const count = p!.length;
      const memory = heapMemory(backend);
      const quads = memory === undefined ? 0 : Math.floor(count / 4);
      if (quads > 0) {
        adamUpdateOn(memory!)(p!.byteOffset, mIn!.byteOffset, vIn!.byteOffset, g!.byteOffset, pOut!.byteOffset, mOut!.byteOffset, vOut!.byteOffset, c!.byteOffset, quads);
      }
      updateRange(p!, mIn!, vIn!, g!, pOut!, mOut!, vOut!, constants, quads * 4, count);
      return outputs;
    } finally {
      scope.dispose();
    }
  };
  return { kernelName: AdamUpdate, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** The constants in the order of {@link ADAM_CONSTANTS}, rounded to float32 as tf's scalars are. */
function constantsOf(attrs: AdamUpdateAttrs): Float32Array {
  const values: Record<(typeof ADAM_CONSTANTS)[number], number> = {
    beta1: attrs.beta1,
    oneMinusBeta1: 1 - attrs.beta1,
    beta2: attrs.beta2,
    oneMinusBeta2: 1 - attrs.beta2,
    correction2: attrs.correction2,
    epsilon: attrs.epsilon,
    stepSize: attrs.stepSize,
  };
  return Float32Array.from(ADAM_CONSTANTS, (name) => values[name]);
}

/** The update of values [from, to), each step rounded to float32 as the SIMD kernel's are. */
function updateRange(
  p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
  pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, constants: Float32Array, from: number, to: number,
): void {
  const f = Math.fround;
  const [beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction2, epsilon, stepSize] = constants as unknown as number[];
  for (let i = from; i < to; i++) {
    const gi = g[i]!;
    const mNew = f(f(m[i]! * beta1!) + f(gi * oneMinusBeta1!));
    const vNew = f(f(v[i]! * beta2!) + f(f(gi * gi) * oneMinusBeta2!));
    const denominator = f(f(f(Math.sqrt(vNew)) / correction2!) + epsilon!);
    mOut[i] = mNew;
    vOut[i] = vNew;
    pOut[i] = f(p[i]! - f(f(mNew / denominator) * stepSize!));
  }
}
