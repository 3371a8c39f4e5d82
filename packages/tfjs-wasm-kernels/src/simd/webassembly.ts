/** The one WebAssembly memory type used here: its bytes. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/** The parts of the global WebAssembly API this folder uses (this project's lib has no DOM types). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** `instantiate` called once per memory (the wasm backend's heap), its result kept while the memory lives. */
export function perMemory<T>(instantiate: (memory: WasmMemory) => T): (memory: WasmMemory) => T {
  const instances = new WeakMap<WasmMemory, T>();
  return (memory) => {
    let made = instances.get(memory);
    if (made === undefined) {
      made = instantiate(memory);
      instances.set(memory, made);
    }
    return made;
  };
}
