import type { Generator } from '../../contracts/generator.js';
import type { RunFolder } from '../../io/run-folder.js';
import type { StageContext } from '../context.js';
import { trainKeyedGenerator } from '../generator-stage.js';
import type { GeneratorStageOptions, OptionsInput } from '../options.js';
import type { RunSession } from './session.js';
import { writeSampleGrid } from './write-products.js';

/** What training one key's generator gives the job: its last end-of-epoch report. */
export interface GeneratorOutcome {
  readonly id: string;
  /** keyedShare, distinguishability (and gamma) of the last epoch. */
  readonly report: Readonly<Record<string, number>>;
}

/**
 * Trains the keyed generator of key `id` in `ctx` and writes generators/<id>/generator.ckpt and
 * samples/<id>.png (atomically). The manifest is left to the caller ({@link recordGenerator}), so
 * that keys trained in several threads are recorded by one.
 */
export async function trainAndWriteGenerator(session: RunSession, ctx: StageContext, id: string, options: OptionsInput<GeneratorStageOptions>): Promise<GeneratorOutcome> {
  const [key] = await session.loadKeys([id]);
  let generator: Generator | undefined;
  try {
    const result = await trainKeyedGenerator(ctx, key!, options);
    generator = result.generator;
    await session.folder.writeGenerator(id, generator, 'generator', { stage: 'generators', ...(result.gamma !== undefined ? { gamma: result.gamma } : {}) });
    await writeSampleGrid(session, id, generator);
    return { id, report: { ...(result.history.at(-1)?.report ?? {}) } };
  } finally {
    key!.dispose();
    generator?.dispose();
  }
}

/** Records in the manifest that key `id` has a generator; the list stays in the order of the keys. */
export async function recordGenerator(folder: RunFolder, id: string): Promise<void> {
  await folder.update((m) => {
    const done = new Set([...m.generators, id]);
    m.generators = [...m.keys.filter((k) => done.has(k)), ...m.generators.filter((k) => !m.keys.includes(k))];
  });
}
