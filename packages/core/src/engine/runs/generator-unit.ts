import type { Generator } from '../../contracts/generator.js';
import { RunFolder } from '../../io/run-folder.js';
import type { StageContext } from '../context.js';
import { trainKeyedGenerator } from '../generator-stage.js';
import { resolveOptions, type GeneratorStageOptions, type OptionsInput } from '../../contracts/stage-options.js';
import type { RunSession } from './session.js';
import { writeSampleGrid } from './write-products.js';

/** What training one key's generator gives the job: its last end-of-epoch report. */
export interface GeneratorOutcome {
  readonly id: string;
  /** keyedShare, distinguishability (and gamma) of the last epoch, or of the kept one with its number `keptEpoch` (1-based). */
  readonly report: Readonly<Record<string, number>>;
}

/**
 * Trains the keyed generator of key `id` in `ctx` and writes generators/<id>/generator.ckpt and
 * samples/<id>.png (atomically). The manifest is left to the caller ({@link recordGenerator}), so
 * that keys trained in several threads are recorded by one.
 */
export async function trainAndWriteGenerator(session: RunSession, ctx: StageContext, id: string, options: OptionsInput<GeneratorStageOptions>): Promise<GeneratorOutcome> {
  const [key] = await session.loadKeys([id]);
  // Only keepBest's check reads the earlier keys. They exist whenever this key does, so a generator
  // trained while later keys are still being made gets the same ones; the manifest is read again
  // because a worker's session may predate this key.
  const keys = resolveOptions('generators', options).keepBest ? (await RunFolder.open(session.folder.dir)).manifest.keys : [];
  const earlierIds = keys.slice(0, Math.max(0, keys.indexOf(id)));
  const earlier = await session.loadKeys(earlierIds).catch((error: unknown) => {
    key!.dispose();
    throw error;
  });
  let generator: Generator | undefined;
  try {
    const result = await trainKeyedGenerator(ctx, key!, options, earlier);
    generator = result.generator;
    const kept: Record<string, number> = result.keptEpoch !== undefined ? { keptEpoch: result.keptEpoch + 1 } : {};
    await session.folder.writeGenerator(id, generator, 'generator', { stage: 'generators', ...(result.gamma !== undefined ? { gamma: result.gamma } : {}), ...kept });
    await writeSampleGrid(session, id, generator);
    const record = result.keptEpoch !== undefined ? result.history[result.keptEpoch] : result.history.at(-1);
    return { id, report: { ...(record?.report ?? {}), ...kept } };
  } finally {
    key!.dispose();
    earlier.forEach((k) => k.dispose());
    generator?.dispose();
  }
}

/** The log line of a written generator; `keptEpoch` (1-based) is in the report when the stage kept its best epoch. */
export function generatorWrittenMessage(outcome: GeneratorOutcome): string {
  const kept = outcome.report.keptEpoch;
  return `generator of ${outcome.id} written${kept !== undefined ? ` (the weights of its epoch ${kept}, the best check)` : ''}`;
}

/** Records in the manifest that key `id` has a generator; the list stays in the order of the keys. */
export async function recordGenerator(folder: RunFolder, id: string): Promise<void> {
  await folder.update((m) => {
    const done = new Set([...m.generators, id]);
    m.generators = [...m.keys.filter((k) => done.has(k)), ...m.generators.filter((k) => !m.keys.includes(k))];
  });
}
