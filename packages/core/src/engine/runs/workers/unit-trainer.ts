/**
 * Trains the units of one recorded job (a key's generator, or its generator robust to a
 * post-process) exactly as a worker thread of this process does, wherever it runs: in a thread of
 * training-threads.ts, or in a thread of a queue worker on another machine (unit-thread.ts). It
 * writes only the unit's own files (atomically); the process that owns the job records them in
 * the manifest.
 */
import type { PostProcess } from '../../../contracts/post-process.js';
import type { GeneratorStageOptions, OptionsInput, RobustStageOptions } from '../../../contracts/stage-options.js';
import { unitProgress } from '../../../io/run-folder.js';
import type { StageContext } from '../../context.js';
import { trainAndWriteGenerator } from '../generator-unit.js';
import { trainAndWriteRobust } from '../robust-unit.js';
import type { RunSession } from '../session.js';
import type { UnitNote, UnitOutcome, UnitWorkerData, WorkUnit } from './training-threads.js';
import { openWorkerSession } from './thread-session.js';

/** Trains units of one job, one at a time; `dispose` closes its run session. */
export interface UnitTrainer {
  train(unit: WorkUnit, note: (note: UnitNote) => void): Promise<UnitOutcome>;
  dispose(): void;
}

/**
 * Selects `data`'s backend in this thread, registers its plugins, opens its run and returns the
 * trainer of its job's units. Each unit's training state is saved after every epoch (a unit
 * interrupted, then trained again, resumes after its last finished epoch) and reported as a
 * `progress` note; training events are `event` notes.
 */
export async function openUnitTrainer(data: UnitWorkerData): Promise<UnitTrainer> {
  const { job } = data;
  const { host, session } = await openWorkerSession(data);
  const { folder } = session;
  /** Sends a note on the unit in hand (set for each unit). */
  let note: (note: UnitNote) => void = () => undefined;
  const ctx: StageContext = {
    ...session.stageContext(job.stage, { onEvent: (event) => note({ type: 'event', event }) }),
    store: {
      load: (unit) => folder.readState(unit),
      save: async (unit, state) => {
        await folder.writeState(unit, state);
        note({ type: 'progress', unit, progress: unitProgress(job.stage, state) });
      },
    },
  };
  const postProcesses = new Map<string, PostProcess>();
  const postProcessOf = (label: string): PostProcess => {
    let postProcess = postProcesses.get(label);
    if (!postProcess) {
      const request = job.postProcesses?.find((p) => p.label === label);
      if (!request) throw new Error(`the robust job has no post-process labelled ${label}`);
      postProcess = host.postProcess(request.name).create(request.params);
      postProcesses.set(label, postProcess);
    }
    return postProcess;
  };
  const train = (s: RunSession, unit: WorkUnit): Promise<UnitOutcome> => {
    if (job.stage === 'generators') return trainAndWriteGenerator(s, ctx, unit.id, job.options as OptionsInput<GeneratorStageOptions>);
    if (job.stage === 'robust' && unit.label !== undefined) {
      return trainAndWriteRobust(s, ctx, postProcessOf(unit.label), unit.label, unit.id, job.options as OptionsInput<RobustStageOptions>);
    }
    return Promise.reject(new Error(`a unit of a ${job.stage} job cannot be trained by a unit worker`));
  };
  return {
    async train(unit, send) {
      note = send;
      try {
        return await train(session, unit);
      } finally {
        note = () => undefined;
      }
    },
    dispose: () => session.dispose(),
  };
}
