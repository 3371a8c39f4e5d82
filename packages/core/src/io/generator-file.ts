import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { AdapterContext } from '../contracts/adapter.js';
import type { Generator } from '../contracts/generator.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';

/** Saves a generator's weights with what is needed to rebuild it (adapter name and config). */
export async function saveGenerator(file: string, generator: Generator, meta: Record<string, unknown> = {}): Promise<void> {
  const state = generator.state();
  try {
    await saveCheckpoint(file, state, {
      ...meta,
      kind: 'generator',
      adapter: generator.adapter,
      config: generator.config,
      imageShape: generator.imageShape,
      inputKind: generator.inputKind,
    });
  } finally {
    for (const tensor of Object.values(state)) tensor.dispose();
  }
}

/**
 * Loads a generator saved by {@link saveGenerator}. `findAdapter` maps the stored adapter name to
 * the registered adapter (and throws, listing the available names, when there is none).
 */
export async function loadGenerator(
  file: string,
  findAdapter: (name: string) => GeneratorAdapter,
  ctx?: AdapterContext,
): Promise<{ generator: Generator; meta: Readonly<Record<string, unknown>> }> {
  const { meta, tensors } = await loadCheckpoint(file);
  try {
    if (meta.kind !== 'generator' || typeof meta.adapter !== 'string') {
      throw new Error(`${file}: checkpoint holds no generator (kind ${String(meta.kind)})`);
    }
    const adapter = findAdapter(meta.adapter);
    const generator = adapter.create((meta.config ?? {}) as Record<string, unknown>, ctx);
    try {
      generator.loadState(tensors);
    } catch (error) {
      generator.dispose();
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    return { generator, meta };
  } finally {
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}
