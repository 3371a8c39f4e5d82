import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { AdapterContext } from '../contracts/adapter.js';
import type { Generator } from '../contracts/generator.js';
import { isAttribCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';

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
    let generator: Generator;
    try {
      generator = adapter.create((meta.config ?? {}) as Record<string, unknown>, ctx);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
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

/** Which kind of file a generator was opened from: attrib's checkpoint, or an adapter's reference format. */
export type GeneratorFileFormat = 'attrib' | 'reference';

/** What {@link openGeneratorFile} needs besides the file. */
export interface OpenGeneratorOptions {
  /**
   * The adapter: required to read a reference file; for an attrib checkpoint (which names its own
   * adapter) a check that it holds this adapter's generator. Empty or absent: no check.
   */
  readonly adapter?: string;
  /** Handed to the adapter (image-to-image adapters read their source-domain images from it). */
  readonly context?: AdapterContext;
  /** Options of the adapter's reference reader; an attrib checkpoint takes none. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/**
 * Opens a generator from any file attrib reads: an attrib checkpoint (by its signature) or, through
 * the adapter's `importReference`, a file in the adapter's reference format (e.g. a release `.pth`).
 */
export async function openGeneratorFile(
  file: string,
  findAdapter: (name: string) => GeneratorAdapter,
  { adapter: adapterName = '', context, options = {} }: OpenGeneratorOptions = {},
): Promise<{ generator: Generator; format: GeneratorFileFormat }> {
  if (await isAttribCheckpoint(file)) {
    if (Object.keys(options).length > 0) throw new Error(`--option applies to reference checkpoints; ${file} is an attrib checkpoint`);
    const { generator } = await loadGenerator(file, (stored) => {
      if (adapterName !== '' && stored !== adapterName) throw new Error(`${file}: holds a ${stored} generator, not ${adapterName}`);
      return findAdapter(stored);
    }, context);
    return { generator, format: 'attrib' };
  }
  if (adapterName === '') throw new Error(`--adapter is required to read ${file}, which is not an attrib checkpoint`);
  const adapter = findAdapter(adapterName);
  if (!adapter.importReference) throw new Error(`${file} is not an attrib checkpoint, and adapter ${adapter.name} reads no reference format`);
  return { generator: await adapter.importReference(file, context, options), format: 'reference' };
}
