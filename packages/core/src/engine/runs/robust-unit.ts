import type { Generator } from '../../contracts/generator.js';
import type { PostProcess } from '../../contracts/post-process.js';
import type { RunFolder } from '../../io/run-folder.js';
import type { StageContext } from '../context.js';
import { resolveOptions, type OptionsInput, type RobustStageOptions } from '../../contracts/stage-options.js';
import { trainRobustGenerator } from '../robust-stage.js';
import type { RunSession } from './session.js';
import type { UnitOutcome } from './workers/training-threads.js';
import { writeSampleGrid } from './write-products.js';

/** What making one key's generator robust gives the job: its last end-of-epoch report. */
export interface RobustOutcome extends UnitOutcome {
  readonly label: string;
}

/**
 * Fine-tunes the keyed generator of key `id` against `postProcess` in `ctx` and writes
 * generators/<id>/robust-<label>.ckpt and samples/<id>-robust-<label>.png (atomically). The
 * manifest is left to the caller ({@link recordRobust}), so that units trained in several threads
 * are recorded by one.
 */
export async function trainAndWriteRobust(
  session: RunSession, ctx: StageContext, postProcess: PostProcess, label: string, id: string, options: OptionsInput<RobustStageOptions>,
): Promise<RobustOutcome> {
  const [key] = await session.loadKeys([id]);
  // Only the othersWeight term and the projected target's othersMargin read the other keys.
  const resolved = resolveOptions('robust', options);
  const otherIds = resolved.othersWeight > 0 || (resolved.objective === 'projected' && resolved.othersMargin > 0) ? session.folder.manifest.keys.filter((k) => k !== id) : [];
  const others = await session.loadKeys(otherIds);
  let start: Generator | undefined;
  let generator: Generator | undefined;
  try {
    start = await session.loadGenerator(id);
    const result = await trainRobustGenerator(ctx, key!, start, postProcess, options, label, others);
    generator = result.generator;
    await session.folder.writeGenerator(id, generator, `robust-${label}`, { stage: 'robust', postProcess: { name: postProcess.name, params: postProcess.params } });
    await writeSampleGrid(session, `${id}-robust-${label}`, generator);
    return { id, label, report: { ...(result.history.at(-1)?.report ?? {}) } };
  } finally {
    key!.dispose();
    others.forEach((k) => k.dispose());
    start?.dispose();
    generator?.dispose();
  }
}

/** Records in the manifest that key `id` has a generator robust to `label`; the list stays in the order of the keys. */
export async function recordRobust(folder: RunFolder, label: string, id: string): Promise<void> {
  await folder.update((m) => {
    const done = new Set([...(m.robust[label] ?? []), id]);
    m.robust[label] = [...m.keys.filter((k) => done.has(k)), ...[...done].filter((k) => !m.keys.includes(k))];
  });
}
