import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmHeapBackend } from './wasm-heap.js';

interface Entry {
  readonly backend: WasmHeapBackend;
  readonly byKey: Map<string, TensorInfo[]>;
}

/**
 * Tensors a kernel derives from one of its inputs (a convolution's re-arranged filter), kept for
 * as long as that input's data lives, so a frozen model's forward passes derive them once. Worth
 * more than the copy saved: XNNPACK keeps its packed weights per filter tensor, so a filter seen
 * again skips the packing (a 2x2x256x128 phase filter: about a millisecond).
 *
 * Sound because tfjs data never changes under a data id: a variable's `assign` gives it a new id.
 * Entries whose source has been freed are freed at the next {@link get}.
 */
export class DerivedTensors {
  private readonly entries = new Map<object, Entry>();

  /** The tensors derived from `source` under `key`, made by `make` on first use (not to be freed by the caller). */
  get(backend: KernelBackend, source: TensorInfo, key: string, make: () => TensorInfo[]): TensorInfo[] {
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
    let derived = entry.byKey.get(fullKey);
    if (derived === undefined) {
      derived = make();
      entry.byKey.set(fullKey, derived);
    }
    return derived;
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
    for (const derived of entry.byKey.values()) for (const info of derived) entry.backend.disposeData(info.dataId);
  }
}
