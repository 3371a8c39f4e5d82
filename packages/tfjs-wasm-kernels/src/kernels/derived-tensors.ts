import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmHeapBackend } from './wasm-heap.js';

interface Derived {
  readonly tensors: TensorInfo[];
  readonly variant: Float32Array | undefined;
}

interface Entry {
  readonly backend: WasmHeapBackend;
  readonly byKey: Map<string, Derived>;
}

/**
 * Tensors a kernel derives from one of its inputs (a convolution's re-arranged filter), kept for
 * as long as that input's data lives, so a frozen model's forward passes derive them once (a
 * 2x2x256x128 phase filter's packing: about a millisecond).
 *
 * Sound because tfjs data never changes under a data id: a variable's `assign` gives it a new id.
 * Entries whose source has been freed are freed at the next {@link get}.
 */
export class DerivedTensors {
  private readonly entries = new Map<object, Entry>();

  /**
   * The tensors derived from `source` under `key`, made by `make` on first use (not to be freed by
   * the caller). `variant`: other values they depend on (say a per-channel scale folded into a
   * filter); when they differ from the kept tensors', those are freed and made again, so a key
   * holds one set at a time.
   */
  get(backend: KernelBackend, source: TensorInfo, key: string, make: () => TensorInfo[], variant?: Float32Array): TensorInfo[] {
    this.sweep();
    let entry = this.entries.get(source.dataId);
    if (entry !== undefined && entry.backend !== backend) {
      this.free(entry); // the data moved to another backend
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { backend: backend as WasmHeapBackend, byKey: new Map() };
      this.entries.set(source.dataId, entry);
    }
    const fullKey = `${source.shape.join('x')}:${key}`;
    const kept = entry.byKey.get(fullKey);
    if (kept !== undefined && sameValues(kept.variant, variant)) return kept.tensors;
    if (kept !== undefined) {
      entry.byKey.delete(fullKey);
      freeAll(entry.backend, kept.tensors);
    }
    const tensors = make();
    entry.byKey.set(fullKey, { tensors, variant: variant?.slice() });
    return tensors;
  }

  /** Sources alive with derived tensors (for tests). */
  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  private sweep(): void {
    for (const [dataId, entry] of this.entries) {
      if (entry.backend.refCount(dataId) > 0) continue;
      this.free(entry);
      this.entries.delete(dataId);
    }
  }

  private free(entry: Entry): void {
    for (const derived of entry.byKey.values()) freeAll(entry.backend, derived.tensors);
  }
}

function freeAll(backend: KernelBackend, tensors: readonly TensorInfo[]): void {
  for (const info of tensors) backend.disposeData(info.dataId);
}

/** Equal element by element (NaN never equals, so it is always made again); both absent is equal. */
function sameValues(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
