import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AdapterContext } from '../../contracts/adapter.js';
import type { Generator } from '../../contracts/generator.js';
import type { ImageShape } from '../../contracts/image.js';
import type { ImageSource } from '../../contracts/image-source.js';
import { isAttribCheckpoint, loadCheckpoint } from '../../io/checkpoint.js';
import { loadGenerator } from '../../io/generator-file.js';
import type { DataSpec } from '../../io/run-folder.js';
import type { RunServices } from './services.js';

/** SHA-256 (hex) and size of a file; errors name the file. */
export async function fingerprint(file: string): Promise<{ sha256: string; bytes: number }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}

/** Opens a {@link DataSpec} through the services with the given image shape. */
export async function openData(services: RunServices, spec: DataSpec, shape: ImageShape): Promise<ImageSource> {
  return services.imageSource(spec.source).open({ shape, ...(spec.path ? { path: spec.path } : {}), ...(spec.split ? { split: spec.split } : {}) });
}

/** A root generator as loaded, and whether it came from a reference format or a shipped model. */
export interface LoadedRoot {
  readonly generator: Generator;
  readonly context: AdapterContext;
  /** True when the file was not an attrib checkpoint (so the run keeps a converted copy). */
  readonly converted: boolean;
}

/** The prefix of `--root` naming a model the adapter ships. */
export const PRETRAINED_PREFIX = 'pretrained:';

/**
 * Loads the root G0: an attrib checkpoint (its adapter must be `adapterName`), a file in the
 * adapter's reference format (`importReference`), or `pretrained:NAME` / `pretrained:` (the
 * adapter's shipped model). With `inputs` (image-to-image generators), the source-domain images
 * are opened with the generator's image shape and handed to the adapter.
 */
export async function loadRoot(services: RunServices, adapterName: string, root: string, inputs?: DataSpec): Promise<LoadedRoot> {
  const adapter = services.adapter(adapterName);
  if (root.startsWith(PRETRAINED_PREFIX)) {
    if (!adapter.loadPretrained) throw new Error(`--root ${root}: adapter ${adapter.name} ships no pretrained model`);
    const name = root.slice(PRETRAINED_PREFIX.length);
    const generator = await adapter.loadPretrained(name || undefined);
    return { generator, context: {}, converted: true };
  }
  if (await isAttribCheckpoint(root)) {
    const { meta, tensors } = await loadCheckpoint(root);
    for (const tensor of Object.values(tensors)) tensor.dispose();
    if (meta.kind !== 'generator') throw new Error(`${root}: checkpoint holds no generator (kind ${String(meta.kind)})`);
    if (meta.adapter !== adapter.name) throw new Error(`${root}: a ${String(meta.adapter)} generator; expected one of adapter ${adapter.name}`);
    const context: AdapterContext = inputs ? { inputs: await openData(services, inputs, meta.imageShape as ImageShape) } : {};
    const { generator } = await loadGenerator(root, (name) => services.adapter(name), context);
    return { generator, context, converted: false };
  }
  if (!adapter.importReference) {
    throw new Error(`${root}: not an attrib checkpoint (no ATTRIBCK signature), and adapter ${adapter.name} reads no reference format`);
  }
  let generator = await adapter.importReference(root);
  let context: AdapterContext = {};
  if (inputs) {
    const shape = generator.imageShape;
    generator.dispose();
    context = { inputs: await openData(services, inputs, shape) };
    generator = await adapter.importReference(root, context);
  }
  return { generator, context, converted: true };
}
