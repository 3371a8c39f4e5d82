import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * Runs other kernels of the same backend from inside a kernel function and frees every
 * intermediate result it produced, so a composed kernel leaks neither engine tensors nor
 * backend memory. Kernels are called directly (not through tf ops) because nested ops inside a
 * kernel would be tracked by the engine's scopes, while raw TensorInfos are only the backend's.
 */
export class KernelScope {
  private readonly temporaries: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs `kernelName` on this scope's backend; the result is freed by {@link dispose} unless kept. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(kernelName, this.backendName);
    if (config === undefined) {
      throw new Error(`kernel ${kernelName} is not registered for backend '${this.backendName}'`);
    }
    const out = config.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) {
      throw new Error(`kernel ${kernelName} returned several outputs; KernelScope.run expects one`);
    }
    this.temporaries.push(out);
    return out;
  }

  /** Makes this scope responsible for freeing `info`, a result obtained outside {@link run}. */
  adopt(info: TensorInfo): void {
    this.temporaries.push(info);
  }

  /** Uploads `values` as a tensor owned by this scope (freed by {@link dispose} unless kept). */
  constant(values: Float32Array | Int32Array, shape: number[]): TensorInfo {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    const info: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.temporaries.push(info);
    return info;
  }

  /** Frees every result of {@link run} except `kept`, which the caller hands on. */
  dispose(kept?: TensorInfo): void {
    for (const info of this.temporaries) {
      if (info !== kept) this.backend.disposeData(info.dataId);
    }
    this.temporaries.length = 0;
  }
}

/** Runs `body` in a fresh {@link KernelScope} and frees all intermediates except its result. */
export function withKernelScope(
  backend: KernelBackend,
  backendName: string,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend, backendName);
  let result: TensorInfo | undefined;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.dispose(result);
  }
}
