import { resolve } from 'node:path';
import type { Generator } from '../../contracts/generator.js';
import { trainKeyedGenerator } from '../generator-stage.js';
import { resolveOptions, type GeneratorStageOptions, type OptionsInput } from '../options.js';
import type { RunHooks, RunServices } from './services.js';
import { finishJob, openRunSession, startJob } from './session.js';
import { writeSampleGrid } from './write-products.js';

export interface TrainGeneratorsRequest {
  readonly dir: string;
  /** Keys to train generators for; default: every key that has none. */
  readonly keys?: readonly string[];
  readonly options?: OptionsInput<GeneratorStageOptions>;
  readonly resume?: boolean;
}

export interface TrainGeneratorsResult {
  readonly dir: string;
  readonly trained: readonly string[];
  /** Per trained key, its last end-of-epoch report (keyedShare, distinguishability, gamma). */
  readonly reports: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * `attrib generators train`: one keyed generator per key without one (stage "generators"), each
 * from a copy of the root, written to generators/<id>/generator.ckpt with a sample grid as soon as
 * it is finished. `resume` continues the recorded job after its last finished epoch.
 */
export async function trainGenerators(services: RunServices, request: TrainGeneratorsRequest, hooks: RunHooks = {}): Promise<TrainGeneratorsResult> {
  const dir = resolve(request.dir);
  const options = resolveOptions('generators', request.options ?? {});
  const session = await openRunSession(services, dir);
  const trained: string[] = [];
  const reports: Record<string, Record<string, number>> = {};
  try {
    const { folder } = session;
    const manifest = folder.manifest;
    for (const id of request.keys ?? []) {
      if (!manifest.keys.includes(id)) throw new Error(`key ${id} is not a finished key of run ${dir} (keys: ${manifest.keys.join(', ') || 'none'})`);
    }
    const targets = (request.keys ?? manifest.keys).filter((id) => !manifest.generators.includes(id));
    if (!manifest.pending && targets.length === 0) {
      hooks.log?.(`every key of run ${dir} already has a generator`);
      return { dir, trained, reports };
    }
    // Loaded now so that a bad key file is reported before the job is recorded.
    (await session.loadKeys(targets)).forEach((k) => k.dispose());
    const job = await startJob(folder, 'generators', request.resume ?? false, () => ({
      stage: 'generators', keys: targets, options: { ...options }, startedAt: new Date().toISOString(),
    }), hooks.log);
    const ctx = session.stageContext('generators', hooks);
    for (const id of job.keys) {
      if (folder.manifest.generators.includes(id)) continue;
      const [key] = await session.loadKeys([id]);
      let generator: Generator | undefined;
      try {
        const result = await trainKeyedGenerator(ctx, key!, job.options as OptionsInput<GeneratorStageOptions>);
        generator = result.generator;
        await folder.writeGenerator(id, generator, 'generator', { stage: 'generators', ...(result.gamma !== undefined ? { gamma: result.gamma } : {}) });
        await writeSampleGrid(session, id, generator);
        await folder.update((m) => m.generators.push(id));
        trained.push(id);
        reports[id] = { ...(result.history.at(-1)?.report ?? {}) };
        hooks.log?.(`generator of ${id} written`);
      } finally {
        key!.dispose();
        generator?.dispose();
      }
    }
    await finishJob(folder);
    return { dir, trained, reports };
  } finally {
    session.dispose();
  }
}
