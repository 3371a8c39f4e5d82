import {
  Add,
  Cast,
  Multiply,
  OneHot,
  Sub,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type OneHotAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { withKernelScope } from './kernel-scope.js';

/**
 * `OneHot` for the wasm backend that honours a non-int32 `dtype`. tfjs-backend-wasm 4.22's kernel
 * always writes int32 bit patterns, so `tf.oneHot(ids, n, 1, 0, 'float32')` reads back as
 * denormals. Here the original kernel makes an int32 0/1 mask, which is cast and mixed:
 * mask * on + (1 - mask) * off. int32 requests go straight to the original kernel.
 */
export function makeOneHotKernel(original: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc = (args: {
    inputs: { indices?: TensorInfo };
    backend: KernelBackend;
    attrs: OneHotAttrs;
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    if (attrs.dtype === 'int32') return original.kernelFunc(args as never) as TensorInfo;
    return withKernelScope(backend, backendName, (scope) => {
      const mask = original.kernelFunc({
        inputs: inputs as never,
        backend,
        attrs: { ...attrs, dtype: 'int32', onValue: 1, offValue: 0 },
      }) as TensorInfo;
      scope.adopt(mask);
      const on = scope.run(Cast, { x: mask }, { dtype: attrs.dtype });
      if (attrs.onValue === 1 && attrs.offValue === 0) return on;
      // mask * on + (1 - mask) * off: exact, as each product is a value times 0 or 1.
      const one = scope.constant(Float32Array.of(1), []);
      const off = scope.run(Sub, { a: one, b: on });
      const onScaled = scope.run(Multiply, { a: on, b: scope.constant(Float32Array.of(attrs.onValue), []) });
      const offScaled = scope.run(Multiply, { a: off, b: scope.constant(Float32Array.of(attrs.offValue), []) });
      return scope.run(Add, { a: onScaled, b: offScaled });
    });
  };
  const config: KernelConfig = { kernelName: OneHot, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
